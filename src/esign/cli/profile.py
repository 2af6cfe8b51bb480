"""`esign profile ...`: named provider + base URL combinations in the config file."""

from __future__ import annotations

import typer

from esign.cli.command import command
from esign.cli.run import not_available_yet

app = typer.Typer(
    name="profile", help="Add, list, show, select and remove profiles.", no_args_is_help=True
)

HINT = "profiles in config.toml are read already; for now edit it by hand or use ESIGN_* variables"


@command(app, "add")
def add() -> None:
    """Add a profile: a provider, its base URL and non-secret settings."""
    not_available_yet("profile add", HINT)


@command(app, "list")
def list_() -> None:
    """List profiles."""
    not_available_yet("profile list", HINT)


@command(app, "show")
def show() -> None:
    """Show one profile."""
    not_available_yet("profile show", HINT)


@command(app, "use")
def use() -> None:
    """Make a profile the default."""
    not_available_yet("profile use", HINT)


@command(app, "remove")
def remove() -> None:
    """Remove a profile and its stored secrets."""
    not_available_yet("profile remove", HINT)
