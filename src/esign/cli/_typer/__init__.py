"""esign's adapter over Typer: the only package that knows how Typer builds commands, and the
only one that touches Typer's (and its vendored click's) internals, through `private`. The
command modules of esign.cli use what this exports and nothing else of Typer but its public
`typer.Typer`, `typer.Option`, `typer.Argument` and `typer.Exit`.
"""

from esign.cli._typer.commands import (
    EsignRootGroup,
    SharedFlagShadowed,
    app_context,
    command,
    command_help,
    new_group,
    subcommand_names,
)
from esign.cli._typer.private import click
from esign.cli._typer.shells import COMPLETE_VAR, completion_script
from esign.cli._typer.shells import register as register_shell_classes

__all__ = [
    "COMPLETE_VAR",
    "EsignRootGroup",
    "SharedFlagShadowed",
    "app_context",
    "click",
    "command",
    "command_help",
    "completion_script",
    "new_group",
    "register_shell_classes",
    "subcommand_names",
]
