"""esign's shared flags (--json, --output, --debug, ...): accepted by the root before the
command name and by every command after it.

No `from __future__ import annotations` here, nor in the modules of the commands `doc info`
runs: Typer reads these signatures at start-up, and real annotation objects spare it
evaluating each one from a string.
"""

from enum import StrEnum
from typing import Annotated

import typer
import typer.main
from typer import _click as click

from esign.cli.fastparams import install as install_fast_coercion


class OutputFormat(StrEnum):
    json = "json"
    table = "table"


SHARED_FLAG_HELP = {
    "json": "Print JSON (the default when stdout is not a terminal).",
    "output": "Output format: json or table (default: table on a terminal, else json).",
    "raw": "Print the provider's own response body instead of esign's normalized model.",
    "debug": "Trace HTTP requests and responses on stderr (secrets redacted); show tracebacks.",
    "quiet": "No progress or hints on stderr; errors are still shown.",
    "profile": "Use this profile from the config file (beats ESIGN_PROFILE and ESIGN_* "
    "credentials).",
    "no_input": "Never prompt; fail with exit 3 where a prompt would be needed.",
    "timeout": "Connect/read timeout in seconds for each HTTP request [default: 30].",
    "max_attempts": "Attempts per request when retrying safe failures [default: 3].",
    "proxy": "Proxy URL for every request (http, https, socks5); '' for none. Default: "
    "ESIGN_PROXY, the profile's proxy, then HTTPS_PROXY / HTTP_PROXY / ALL_PROXY (NO_PROXY "
    "exempts hosts).",
    "ca_bundle": "Trust only the CA certificates in this PEM file (a private CA or a "
    "TLS-inspecting proxy) instead of the system's trust store.",
}


# Annotated aliases for the shared flags: the root callback declares them before the command
# name, and `_shared_flags_template` lets Typer build the same parameters for every command.
JsonFlag = Annotated[bool, typer.Option("--json", help=SHARED_FLAG_HELP["json"])]
OutputFlag = Annotated[
    OutputFormat | None,
    typer.Option(metavar="FORMAT", help=SHARED_FLAG_HELP["output"], show_default=False),
]
RawFlag = Annotated[bool, typer.Option("--raw", help=SHARED_FLAG_HELP["raw"])]
DebugFlag = Annotated[bool, typer.Option("--debug", help=SHARED_FLAG_HELP["debug"])]
QuietFlag = Annotated[bool, typer.Option("--quiet", "-q", help=SHARED_FLAG_HELP["quiet"])]


def _complete_profile(incomplete: str) -> list[str]:
    from esign.cli.completion import complete_profile

    return complete_profile(incomplete)


ProfileFlag = Annotated[
    str | None,
    typer.Option(
        "--profile",
        metavar="NAME",
        help=SHARED_FLAG_HELP["profile"],
        show_default=False,
        autocompletion=_complete_profile,
    ),
]
NoInputFlag = Annotated[bool, typer.Option("--no-input", help=SHARED_FLAG_HELP["no_input"])]
TimeoutFlag = Annotated[
    float | None,
    typer.Option(
        min=0.001, metavar="SECONDS", help=SHARED_FLAG_HELP["timeout"], show_default=False
    ),
]
MaxAttemptsFlag = Annotated[
    int | None,
    typer.Option(
        min=1, max=20, metavar="N", help=SHARED_FLAG_HELP["max_attempts"], show_default=False
    ),
]

ProxyFlag = Annotated[
    str | None,
    typer.Option(metavar="URL", help=SHARED_FLAG_HELP["proxy"], show_default=False),
]
CaBundleFlag = Annotated[
    str | None,
    typer.Option(metavar="FILE", help=SHARED_FLAG_HELP["ca_bundle"], show_default=False),
]


def _shared_flags_template(
    json_output: JsonFlag = False,
    output: OutputFlag = None,
    raw: RawFlag = False,
    debug: DebugFlag = False,
    quiet: QuietFlag = False,
    profile: ProfileFlag = None,
    no_input: NoInputFlag = False,
    timeout: TimeoutFlag = None,
    max_attempts: MaxAttemptsFlag = None,
    proxy: ProxyFlag = None,
    ca_bundle: CaBundleFlag = None,
) -> None:
    """Never called: Typer reads its signature to build the shared flag parameters."""


_SHARED_PARAMS: list[click.Parameter] = []


def shared_flag_params() -> list[click.Parameter]:
    """Built once per process and shared by every command: parameters hold configuration
    only, and building them per command cost 45 ms of `esign --help`."""
    if not _SHARED_PARAMS:
        template = typer.Typer(add_completion=False)
        template.command()(_shared_flags_template)
        _SHARED_PARAMS.extend(typer.main.get_command(template).params)
        install_fast_coercion(_SHARED_PARAMS)
    return list(_SHARED_PARAMS)


SHARED_NAMES = (
    "json_output",
    "output",
    "raw",
    "debug",
    "quiet",
    "profile",
    "no_input",
    "timeout",
    "max_attempts",
    "proxy",
    "ca_bundle",
)
