"""A stop signal for a pool of downloads that also cuts short what a worker is blocked on."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator


class Cancellation:
    """Set once (Ctrl-C, SIGTERM); each worker sees it between chunks, and the hooks it
    registered run at once, e.g. to shut down the socket a read is waiting on."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._hooks: dict[int, Callable[[], None]] = {}
        self._next = 0

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        with self._lock:
            self._event.set()
            hooks = list(self._hooks.values())
        for hook in hooks:
            with contextlib.suppress(Exception):
                hook()

    @contextlib.contextmanager
    def on_cancel(self, hook: Callable[[], None]) -> Iterator[None]:
        with self._lock:
            key = self._next
            self._next += 1
            self._hooks[key] = hook
            already = self._event.is_set()
        if already:
            with contextlib.suppress(Exception):
                hook()
        try:
            yield
        finally:
            with self._lock:
                self._hooks.pop(key, None)
