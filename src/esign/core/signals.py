"""Whatever stops esign (Ctrl-C, `timeout`, CI cancellation, `docker stop`, a closed
terminal) stops it the same way: cleanly, with nothing half-written left behind.

Python turns only SIGINT into an exception; SIGTERM and SIGHUP kill the process at once,
leaving temporary files behind. Here all three raise `Stopped` (a KeyboardInterrupt, so every
`except KeyboardInterrupt` and cleanup path sees it) in the main thread, and the exit code is
the shell's 128 + signal: 130, 143, 129. A repeated signal while the first one is being
handled is ignored, so cleanup is never cut short by a traceback.
"""

from __future__ import annotations

import signal
from types import FrameType

NAMES = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated", signal.SIGHUP: "hung up"}


class Stopped(KeyboardInterrupt):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def message(self) -> str:
        name = NAMES.get(signal.Signals(self.signum), "stopped")
        if self.signum == signal.SIGINT:
            return name
        return f"{name} ({signal.Signals(self.signum).name})"


_received: list[int] = []


def _handler(signum: int, frame: FrameType | None) -> None:
    if _received:
        return  # already stopping: let the cleanup finish
    _received.append(signum)
    # Ignored from now on at the OS level, not only here: the interpreter puts its own
    # handlers back to the default as it exits, and a Ctrl-C pressed again during that
    # would kill the process with the signal instead of the exit code cleanup chose.
    for other in NAMES:
        if signal.getsignal(other) is _handler:
            signal.signal(other, signal.SIG_IGN)
    raise Stopped(signum)


def install() -> None:
    """From the entry point, in the main thread. A signal the parent set to be ignored stays
    ignored: `nohup esign ...` must survive the terminal closing, and a background job in a
    non-interactive shell ignores Ctrl-C by design."""
    for signum in NAMES:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _handler)


def received() -> int | None:
    """The signal that stopped this process, if one did."""
    return _received[0] if _received else None


def exit_code(exc: BaseException) -> int:
    """128 + the signal for a stop, 130 for a plain KeyboardInterrupt (Ctrl-C in tests)."""
    return exc.exit_code if isinstance(exc, Stopped) else 130


def describe(exc: BaseException) -> str:
    return exc.message if isinstance(exc, Stopped) else "interrupted"
