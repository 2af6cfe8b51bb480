"""Pacing requests under a provider's rate limit, for everything one esign process sends.

ZapSign documents 500 requests a minute per token, counted in fixed one-minute windows; going
past it costs a 429 and the rest of that minute. Hitting the limit and backing off wastes the
window, so esign paces instead: requests are spaced evenly at a little under the limit (a
generic cell-rate algorithm with no burst), which keeps any window, fixed or sliding, aligned
with the server's clock or not, under the limit while a run goes at nearly full speed; and two
runs one after the other (a CI retry) cannot add up past it either, since neither bursts.

A 429 still happens (another client on the same token, a lower custom limit): the caller's
retry gate pauses the whole pool, and the pace drops by a quarter, recovering by a tenth for
every quiet window. Without any configured limit nothing is paced until a 429 is met by a
process that sent ten requests or more in the last ten seconds; the pace then starts at three
quarters of the rate it was going at.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from esign.core.errors import UsageError

# The share of the limit esign paces at: slack for the network's jitter, so that requests
# spaced by the client never arrive bunched past the limit in one of the server's windows.
HEADROOM = 0.95
# After a 429, the pace drops to this share of what it was...
SLOW_DOWN = 0.75
# ...and rises by this share of it for every window with no 429, up to the limit.
RECOVER = 1.1
# Without a configured limit: the window over which the pace before a 429 is measured, and
# after which a quiet period lets the pace rise.
UNLIMITED_WINDOW = 10.0
# Fewer requests than this in the window before a 429: not the process's own pace.
MIN_OBSERVED = 10
# Slower than one request a minute is never a pace worth waiting for.
FLOOR_PER_SECOND = 1 / 60
MAX_COUNT = 1_000_000

_UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hour": 3600.0}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*([a-z]+)\s*$", re.IGNORECASE)
NO_LIMIT_WORDS = ("none", "off")


@dataclass(frozen=True)
class Rate:
    """A limit: `count` requests per `per` seconds."""

    count: float
    per: float

    @property
    def per_second(self) -> float:
        return self.count / self.per

    def __str__(self) -> str:
        unit = {1.0: "s", 60.0: "m", 3600.0: "h"}.get(self.per, f"{self.per:g}s")
        return f"{self.count:g}/{unit}"


def parse_rate(text: str, what: str) -> Rate | None:
    """`500/m`, `20/s`, `10000/h`; `none` (or `off`) for no limit (None)."""
    value = text.strip().lower()
    if value in NO_LIMIT_WORDS:
        return None
    match = _RATE.match(value)
    unit = _UNITS.get(match.group(2)) if match else None
    if match is None or unit is None:
        raise UsageError(
            f"invalid {what} {text!r}",
            hint="give requests per second, minute or hour (20/s, 500/m, 10000/h), or none",
        )
    count = float(match.group(1))
    if not 0 < count <= MAX_COUNT:
        raise UsageError(f"{what} {text!r} must be above 0 and at most {MAX_COUNT:,} per unit")
    return Rate(count, unit)


class RateLimiter:
    """Paces the requests of every thread of one process, and counts them.

    `acquire()` before each request that counts against the provider's limit; `slow_down()`
    when one is answered 429.
    """

    def __init__(
        self,
        limit: Rate | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        ceiling = limit.per_second * HEADROOM if limit else math.inf
        self._ceiling = ceiling
        self._pace = ceiling  # requests per second now (inf: not paced)
        self._next = 0.0  # the earliest moment the next request may leave
        self._window = min(max(limit.per, 1.0), 60.0) if limit else UNLIMITED_WINDOW
        self._quiet_since = 0.0
        self._recent: deque[float] = deque(maxlen=10_000)
        self.requests = 0
        self.throttled = 0

    @property
    def pace(self) -> float:
        """Requests per second now (inf when not paced)."""
        with self._lock:
            return self._pace

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            self.requests += 1
            self._recover(now)
            if math.isinf(self._pace):
                self._recent.append(now)
                return
            moment = max(now, self._next)
            self._next = moment + 1.0 / self._pace
        if moment > now:
            self._sleep(moment - now)

    def slow_down(self) -> None:
        """A request was answered 429: pace lower from now on."""
        with self._lock:
            now = self._clock()
            self.throttled += 1
            if math.isinf(self._pace):
                cutoff = now - UNLIMITED_WINDOW
                recent = [moment for moment in self._recent if moment >= cutoff]
                if len(recent) < MIN_OBSERVED:
                    # A few requests met a 429: another client spends the budget, and
                    # spacing these out would not help; the retry gate waits for it.
                    return
                # The rate over the span they took (at least a second: a burst of twenty
                # in a tenth of a second is not a pace of two hundred a second).
                span = max(now - recent[0], 1.0)
                self._pace = len(recent) / span * SLOW_DOWN
                self._recent.clear()
            else:
                self._pace = max(self._pace * SLOW_DOWN, FLOOR_PER_SECOND)
            self._quiet_since = now

    def _recover(self, now: float) -> None:
        """Called with the lock held: each quiet window since the last 429 raises the pace."""
        if self._pace >= self._ceiling or now - self._quiet_since < self._window:
            return
        windows = int((now - self._quiet_since) // self._window)
        self._pace = min(self._pace * RECOVER ** min(windows, 100), self._ceiling)
        self._quiet_since += windows * self._window
