"""The root `esign` command and its groups.

No `from __future__ import annotations`: Typer reads these signatures at start-up, and real
annotation objects spare it evaluating each one from a string.
"""

from typing import Annotated

import typer

from esign import __version__
from esign.cli._typer import EsignRootGroup
from esign.cli.api import register as register_api
from esign.cli.completion import register as register_completion

HELP = """Document e-signature operations across providers ({providers}).

Output is a table on a terminal and JSON when piped (or with --json). Errors go to stderr
with a documented exit code: 0 ok, 1 unexpected, 2 usage, 3 cancelled, 4 auth,
5 not found, 6 rejected, 7 rate limited, 8 still pending, 130 interrupted.

Start without an account: esign sandbox demo
"""

app = typer.Typer(
    name="esign",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    # Secrets live in local variables; a pretty traceback would print them.
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    cls=EsignRootGroup,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"esign {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version."
        ),
    ] = None,
) -> None:
    """The shared flags before the command name are the root group's own (EsignRootGroup)."""


# The command groups (request, doc, auth, profile, sandbox) are attached lazily by
# EsignRootGroup from esign.cli.groups: `esign --help` imports none of them.
register_api(app)
register_completion(app)


def root_command() -> EsignRootGroup:
    """The command `esign` runs: the root group, with every command built on first use."""
    return EsignRootGroup.from_typer(app)
