"""The shared flags (--json, --output, --debug, --proxy, ...): every command takes them, before
or after its name. This is their one definition: adding a shared flag is adding one field
here. The command layer builds the options from these fields (esign.cli._typer.flags), and
settings read the values (esign.core.config.settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Literal, NamedTuple

Merge = Literal["either", "later"]


class OutputFormat(StrEnum):
    json = "json"
    table = "table"


class FlagSpec(NamedTuple):
    """How a shared flag looks on the command line. (A NamedTuple, not a dataclass: it is
    built on every start-up, `esign --help` too, and is five times cheaper to define.)"""

    decls: tuple[str, ...]
    help: str
    metavar: str | None = None
    # How a value given before the command name and one after it combine: "either" for
    # switches (on if given anywhere), "later" for values (after the command wins).
    merge: Merge = "later"
    minimum: float | None = None
    maximum: float | None = None
    complete: str | None = None  # a completer's name, resolved by the command layer
    hidden: bool = False  # set by the command layer from another flag's spelling, not typed


def flag(*decls: str, help: str, **spec: Any) -> dict[str, FlagSpec]:
    """A dataclass field's metadata that makes it a shared flag."""
    return {"flag": FlagSpec(decls, help, **spec)}


@dataclass(eq=False, repr=False)  # not a value: start-up skips generating both
class GlobalFlags:
    """The shared flags' values for one run (None or False: not given)."""

    json: bool = field(
        default=False,
        metadata=flag(
            "--json",
            help="Print JSON (the default when stdout is not a terminal). --json FIELDS (or "
            "--json=FIELDS) prints only those top-level fields: --json id,status.",
            merge="either",
        ),
    )
    # `--json id,status` and `--json=id,status` arrive here: the command layer turns the
    # spelling into this option (esign.cli._typer.json_fields), so plain --json stays a switch.
    json_fields: str | None = field(
        default=None,
        metadata=flag("--json-fields", help="Top-level fields to print.", hidden=True),
    )
    jq: str | None = field(
        default=None,
        metadata=flag(
            "--jq",
            metavar="EXPR",
            help="Filter the JSON output with a jq expression; strings print raw, several "
            "results one per line. Implies --json. Example: --jq .status",
        ),
    )
    output: OutputFormat | None = field(
        default=None,
        metadata=flag(
            "--output",
            metavar="FORMAT",
            help="Output format: json or table (default: table on a terminal, else json).",
        ),
    )
    raw: bool = field(
        default=False,
        metadata=flag(
            "--raw",
            help="Print the provider's own response body instead of esign's normalized model.",
            merge="either",
        ),
    )
    debug: bool = field(
        default=False,
        metadata=flag(
            "--debug",
            help="Trace HTTP requests and responses on stderr (secrets redacted); show tracebacks.",
            merge="either",
        ),
    )
    quiet: bool = field(
        default=False,
        metadata=flag(
            "--quiet",
            "-q",
            help="No progress or hints on stderr; errors are still shown.",
            merge="either",
        ),
    )
    profile: str | None = field(
        default=None,
        metadata=flag(
            "--profile",
            metavar="NAME",
            help="Use this profile from the config file (beats ESIGN_PROFILE and "
            "ESIGN_* credentials).",
            complete="profile",
        ),
    )
    no_input: bool = field(
        default=False,
        metadata=flag(
            "--no-input",
            help="Never prompt; fail with exit 3 where a prompt would be needed.",
            merge="either",
        ),
    )
    timeout: float | None = field(
        default=None,
        metadata=flag(
            "--timeout",
            metavar="SECONDS",
            help="Connect/read timeout in seconds for each HTTP request [default: 30].",
            minimum=0.001,
            maximum=86400,
        ),
    )
    max_attempts: int | None = field(
        default=None,
        metadata=flag(
            "--max-attempts",
            metavar="N",
            help="Attempts per request when retrying safe failures [default: 3].",
            minimum=1,
            maximum=20,
        ),
    )
    proxy: str | None = field(
        default=None,
        metadata=flag(
            "--proxy",
            metavar="URL",
            help="Proxy URL for every request (http, https, socks5); '' for none. Default: "
            "ESIGN_PROXY, the profile's proxy, then HTTPS_PROXY / HTTP_PROXY / ALL_PROXY "
            "(NO_PROXY exempts hosts).",
        ),
    )
    rate: str | None = field(
        default=None,
        metadata=flag(
            "--rate",
            metavar="N/s|N/m",
            help="How fast API requests may go, e.g. 500/m or 20/s (none: not paced). "
            "Default: ESIGN_RATE, the profile's rate, then the provider's documented limit "
            "(ZapSign 500/m; none documented for the others). For sandbox serve: the "
            "per-token limit its ZapSign enforces.",
        ),
    )
    ca_bundle: str | None = field(
        default=None,
        metadata=flag(
            "--ca-bundle",
            metavar="FILE",
            help="Trust only the CA certificates in this PEM file (a private CA or a "
            "TLS-inspecting proxy) instead of the system's trust store.",
        ),
    )

    @property
    def format(self) -> str | None:
        """The output format asked for: "json", "table", or None (decide by terminal)."""
        if self.json or self.json_fields is not None or self.jq is not None:
            return "json"
        return self.output.value if self.output is not None else None

    @property
    def format_conflict(self) -> str | None:
        """A filter over the JSON asked for beside a table (checked before the command runs).
        A plain --json beside --output is no conflict: the one given last wins, as for
        every other value."""
        if self.output is None or self.output.value != "table":
            return None
        if self.jq is not None:
            return "--jq prints JSON, and --output table asks for a table"
        if self.json_fields is not None:
            return "--json FIELDS prints JSON, and --output table asks for a table"
        return None

    def merge(self, later: GlobalFlags) -> GlobalFlags:
        """Flags given before the command name (self) and after it (later)."""
        values: dict[str, Any] = {}
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(later, item.name)
            if item.metadata["flag"].merge == "either":
                values[item.name] = mine or theirs
            else:
                values[item.name] = theirs if theirs is not None else mine
        return GlobalFlags(**values)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> GlobalFlags:
        """From parsed option values by field name; absent or None means not given."""
        known = {item.name for item in fields(cls)}
        given = {k: v for k, v in values.items() if k in known and v is not None}
        return cls(**given)


def shared_flag_specs() -> list[tuple[str, FlagSpec, Any]]:
    """(field name, spec, default) of every shared flag, in declaration order."""
    return [(item.name, item.metadata["flag"], item.default) for item in fields(GlobalFlags)]
