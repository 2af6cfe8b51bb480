"""The providers built into esign, as plain data: name, title, the credential it uses, its
public API base, and where its class lives. Read by the registry (esign.providers.registry),
and by `esign --help` on its own: it imports nothing, so naming the providers costs nothing."""

from __future__ import annotations

# name: (title, credential, public API base or None, "module:Class")
BUILTIN_PROVIDERS: dict[str, tuple[str, str, str | None, str]] = {
    "okdokument": (
        "OKdokument",
        "api_key",
        "https://api.okdokument.com/JSON",
        "esign.providers.okdokument:OKdokument",
    ),
    "zapsign": (
        "ZapSign",
        "api_key",
        "https://api.zapsign.com.br/api/v1",
        "esign.providers.zapsign:ZapSign",
    ),
    # IndexHealth has no public host: each customer is given one (spec gap 1).
    "indexhealth": (
        "IndexHealth",
        "client_secret",
        None,
        "esign.providers.indexhealth:IndexHealth",
    ),
}


def builtin_titles() -> list[str]:
    return [title for title, _credential, _base, _target in BUILTIN_PROVIDERS.values()]
