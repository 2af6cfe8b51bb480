"""What command functions share: running one operation and rendering it, confirmation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from esign.cli._typer import app_context
from esign.core.errors import CancelledError, EsignError, InterruptedByUser
from esign.ops.provider import name_failure, provider_for

if TYPE_CHECKING:
    from esign.core.context import AppContext
    from esign.core.models import Outcome
    from esign.providers.base import Provider


def run(operation: Callable[[Provider], Outcome[Any]], about: str | None = None) -> None:
    """Resolve the provider, run one operation, render its outcome on stdout. A failure names
    `about`, the ID the user gave, unless the provider's message already does."""
    app = app_context()
    try:
        outcome = operation(provider_for(app))
    except EsignError as err:
        name_failure(app, err, about)
        raise
    app.output.emit(outcome)


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
