"""`esign completion SHELL`: shell completion scripts."""

from __future__ import annotations

from typing import Annotated

import typer

from esign.cli.command import command
from esign.cli.run import not_available_yet

app = typer.Typer(name="completion")


def register(root: typer.Typer) -> None:
    @command(root, "completion")
    def completion(
        shell: Annotated[
            str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.", show_default=False)
        ],
    ) -> None:
        """Print the completion script for SHELL."""
        if shell not in ("bash", "zsh", "fish"):
            raise typer.BadParameter(f"{shell!r} is not bash, zsh or fish", param_hint="SHELL")
        not_available_yet(f"completion {shell}")
