"""The command groups: where each lives and its one-line help.

The root lists groups from this table and imports a group's module only when that group is
used, so `esign --help` and `esign doc info` build only what they need. Each group's Typer
takes its help from here too, so the two can never disagree.
"""

from __future__ import annotations

GROUPS: dict[str, tuple[str, str]] = {
    "request": ("esign.cli.request", "Signature requests: create, update, cancel, delete."),
    "doc": (
        "esign.cli.doc",
        "Documents: show, list, upload, download, presign, update, delete, wait, audit, attach.",
    ),
    "signer": ("esign.cli.signer", "A document's signers: list, add, update, remind, remove."),
    "template": ("esign.cli.template", "Document templates: list them; create from one."),
    "account": (
        "esign.cli.account",
        "What the account has left: credits, plan, usage (`esign account` shows it).",
    ),
    "auth": (
        "esign.cli.auth",
        "Store and remove a profile's secret, print it, show where each setting comes from.",
    ),
    "profile": (
        "esign.cli.profile",
        "Add, list, show, change, select and remove profiles (config.toml; never secrets).",
    ),
    "webhook": (
        "esign.cli.webhook",
        "Receive provider events locally (listen); create and delete ZapSign webhooks.",
    ),
    "sandbox": (
        "esign.cli.sandbox",
        "A local emulator of every provider's API: try every command without an account.",
    ),
}


def group_help(name: str) -> str:
    return GROUPS[name][1]
