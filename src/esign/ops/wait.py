"""Waiting for a document to be signed (or to end): polling with backoff."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from esign.core.errors import EsignError, PendingError, RejectedError
from esign.core.models import Document

UNTIL = ("signed", "final")
STILL_OPEN = frozenset({"pending", "processing"})
BACKOFF_FACTOR = 1.5
MAX_INTERVAL = 60.0
FINAL_POLL_GRACE = 1.0


@dataclass
class WaitResult:
    document: Document | None  # None only when no answer came before the deadline
    failure: EsignError | None  # None: the wait reached what it waited for


def _within(fetch: Callable[[], Document], seconds: float) -> Document | None:
    """`fetch()`, or None if it has not answered after `seconds`: --timeout is the whole
    wait's deadline, and a server that drips its answer a byte at a time never trips the
    per-read HTTP timeout. The call left behind runs on a daemon thread and ends with the
    process."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["document"] = fetch()
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="esign-wait", daemon=True)
    worker.start()
    worker.join(max(0.0, seconds))
    if worker.is_alive():
        return None
    if "error" in outcome:
        raise outcome["error"]
    return outcome["document"]  # type: ignore[no-any-return]


def wait_for(
    fetch: Callable[[], Document],
    *,
    until: str,
    timeout: float,
    interval: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    on_status: Callable[[Document, float], None] | None = None,
    ended: Callable[[Document], EsignError] | None = None,
    on_poll: Callable[[Document, float, float], None] | None = None,
) -> WaitResult:
    """Poll until the document is signed (`until="signed"`) or no longer open (`"final"`).

    Never faster than `interval`; the gap grows by half each time, up to a minute (or the
    interval, if longer). 429s are absorbed by the HTTP layer's retries and Retry-After.
    `ended` says, in the provider's words, why a document that stopped changing is not signed.
    """
    started = clock()
    deadline = started + timeout
    delay = interval
    last_status: str | None = None
    last: Document | None = None
    while True:
        # The poll due at the deadline itself (was it signed in the last interval?) gets a
        # second to answer; a server still dripping after that is out of time.
        document = _within(fetch, max(deadline - clock(), FINAL_POLL_GRACE))
        if document is None:
            subject = f"document {last.id} is still {last.status}" if last else "no answer"
            return WaitResult(
                last,
                PendingError(
                    f"{subject} after {_human(timeout)} (the provider was still answering)",
                    hint="wait longer with --timeout",
                    provider=last.provider if last else None,
                ),
            )
        last = document
        if on_status is not None and document.status != last_status:
            on_status(document, clock() - started)
        last_status = document.status
        if document.status == "signed":
            return WaitResult(document, None)
        if document.status not in STILL_OPEN:
            if until == "final":
                return WaitResult(document, None)
            return WaitResult(document, (ended or _ended)(document))
        now = clock()
        if now >= deadline:
            return WaitResult(
                document,
                PendingError(
                    f"document {document.id} is still {document.status} after {_human(timeout)}",
                    hint="wait longer with --wait-timeout",
                    provider=document.provider,
                ),
            )
        gap = min(delay, deadline - now)
        if on_poll is not None:
            on_poll(document, now - started, gap)  # still open: what it is, when it is asked again
        sleep(gap)
        delay = min(delay * BACKOFF_FACTOR, max(interval, MAX_INTERVAL))


def _ended(document: Document) -> EsignError:
    return RejectedError(
        f"document {document.id} ended {document.status} ({document.provider_status}), not signed",
        provider=document.provider,
    )


def _human(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"
