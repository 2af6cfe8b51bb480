"""What command functions share: the provider for this invocation, rendering, confirmation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from esign.cli._typer import app_context
from esign.core.errors import CancelledError, EsignError, InterruptedByUser

if TYPE_CHECKING:
    from esign.core.context import AppContext
    from esign.core.models import Outcome
    from esign.providers.base import Provider


def provider_for(app: AppContext) -> Provider:
    from esign.providers.registry import provider_class

    settings = app.settings
    cls = provider_class(settings.provider)
    base_url = settings.base_url or cls.default_base_url
    return cls(
        settings,
        lambda auth: app.http_client(base_url, auth),
        app.load_secret,
        app.token_cache,
    )


def run(operation: Callable[[Provider], Outcome], about: str | None = None) -> None:
    """Resolve the provider, run one operation, render its outcome on stdout. A failure names
    `about`, the ID the user gave, unless the provider's message already does."""
    app = app_context()
    try:
        outcome = operation(provider_for(app))
    except EsignError as err:
        name_failure(app, err, about)
        raise
    app.output.emit(outcome)


def name_failure(app: AppContext, err: EsignError, subject: str | None) -> EsignError:
    """Say which ID a failure concerns. Scrubbed like the message is: an ID the user typed
    may hold a secret, and the error line must not echo it."""
    if subject:
        from esign.core.redact import scrub

        err.about(scrub(subject, app.known_secrets()))
    return err


def confirm(app: AppContext, question: str, *, yes: bool) -> None:
    """Ask on a terminal; without one (or with --no-input) demand --yes (exit 3)."""
    if yes:
        return
    if not app.interactive:
        raise CancelledError(
            f"{question.rstrip('?')}: confirmation needed", hint="add --yes to proceed"
        )
    with prompt_stops("nothing was changed"):
        agreed = typer.confirm(question, default=False, err=True)
    if not agreed:
        raise CancelledError("cancelled; nothing was changed")


@contextmanager
def prompt_stops(outcome: str) -> Iterator[None]:
    """Ctrl-C at a prompt is an interruption (exit 130 with the error line), and a closed
    stdin a cancellation (exit 3): never click's bare "Aborted!" with exit 1."""
    try:
        yield
    except typer.Abort as abort:
        stop = abort.__context__
        if isinstance(stop, KeyboardInterrupt):
            from esign.core.signals import Stopped

            if isinstance(stop, Stopped) and stop.exit_code != 130:
                raise stop from None  # SIGTERM, SIGHUP: their own exit code
            raise InterruptedByUser(f"interrupted at the prompt; {outcome}") from None
        raise CancelledError(f"no answer at the prompt (end of input); {outcome}") from None
