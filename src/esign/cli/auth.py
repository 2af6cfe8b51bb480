"""`esign auth ...`: a profile's credentials, stored in the OS keyring."""

from __future__ import annotations

from typing import Annotated

import typer

from esign.cli._typer import app_context, command, new_group
from esign.core.errors import CancelledError

app = new_group("auth")


@command(app, "login")
def login(
    with_token: Annotated[
        bool, typer.Option("--with-token", help="Read the secret from stdin instead of a prompt.")
    ] = False,
    insecure_storage: Annotated[
        bool,
        typer.Option(
            "--insecure-storage",
            help="Store the secret in a plain 0600 file instead of the OS keyring.",
        ),
    ] = False,
    no_verify: Annotated[
        bool,
        typer.Option(
            "--no-verify", help="Store the secret without checking it with the provider first."
        ),
    ] = False,
) -> None:
    """Store the profile's secret (API key, token or client secret), once one cheap call to
    the provider has accepted it (a refused secret is exit 4 and not stored).

    On a terminal it asks with hidden input; otherwise pass it on stdin with --with-token.
    No flag takes the secret itself: it would end up in shell history and `ps`.

    Example: esign auth login --profile prod --with-token < key.txt
    """
    from esign.core.models import Outcome
    from esign.ops.profiles import login as store_secret
    from esign.ops.profiles import login_profile

    app_ctx = app_context()
    name, secret_name = login_profile(app_ctx)
    label = secret_name.replace("_", " ")
    if with_token:
        secret = app_ctx.streams.stdin.read()
    elif app_ctx.interactive:
        from esign.cli.run import prompt_stops

        with prompt_stops("nothing was stored"):
            secret = typer.prompt(f"{label} for profile {name}", hide_input=True, err=True)
    else:
        raise CancelledError(
            "a prompt is needed but there is no terminal (or --no-input was given)",
            hint="pass the secret on stdin with --with-token",
        )
    stored = store_secret(app_ctx, secret, insecure=insecure_storage, verify=not no_verify)
    app_ctx.output.emit(Outcome(stored))


@command(app, "logout")
def logout() -> None:
    """Remove the profile's stored secrets (keyring and file)."""
    from esign.ops.profiles import logout as remove_secrets

    app_ctx = app_context()
    app_ctx.output.emit(remove_secrets(app_ctx))


@command(app, "token")
def token() -> None:
    """Print the profile's secret on stdout, for `export ESIGN_API_KEY=$(esign auth token)`."""
    from esign.ops.profiles import token as read_secret

    app_ctx = app_context()
    app_ctx.streams.stdout.write(read_secret(app_ctx).reveal() + "\n")


@command(app, "status")
def status(
    check: Annotated[
        bool, typer.Option("--check", help="Verify the credential with one cheap API call.")
    ] = False,
) -> None:
    """Show each setting and credential (masked) and where it came from; exit 4 when the
    credential is missing or rejected."""
    from esign.core.errors import AuthError
    from esign.core.models import Outcome
    from esign.ops.profiles import missing_secret
    from esign.ops.profiles import status as read_status
    from esign.ops.provider import provider_for

    app_ctx = app_context()
    record, present = read_status(app_ctx)
    verdict: AuthError | None = None
    if present and check:
        try:
            provider_for(app_ctx).check_credentials()
            record.fields["check"] = {"value": "accepted", "source": "provider"}
        except AuthError as err:
            record.fields["check"] = {"value": "rejected", "source": "provider"}
            verdict = err
    app_ctx.output.emit(Outcome(record))
    if not present:
        raise missing_secret(app_ctx)
    if verdict is not None:
        raise verdict
