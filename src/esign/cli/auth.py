"""`esign auth ...`: credentials for a profile (stored in the OS keyring)."""

from __future__ import annotations

import typer

from esign.cli.command import command
from esign.cli.run import not_available_yet

app = typer.Typer(name="auth", help="Log in and out, show credential status.", no_args_is_help=True)

ENV_HINT = "for now set ESIGN_PROVIDER, ESIGN_BASE_URL and ESIGN_API_KEY"


@command(app, "login")
def login() -> None:
    """Store a profile's secret in the OS keyring (hidden prompt, or stdin with --with-token)."""
    not_available_yet("auth login", ENV_HINT)


@command(app, "logout")
def logout() -> None:
    """Remove a profile's stored secret."""
    not_available_yet("auth logout", ENV_HINT)


@command(app, "status")
def status() -> None:
    """Show each setting and credential, masked, with where it came from."""
    not_available_yet("auth status", ENV_HINT)


@command(app, "token")
def token() -> None:
    """Print the profile's secret, for `export X=$(esign auth token)`."""
    not_available_yet("auth token", ENV_HINT)
