"""The sandbox's per-token rate limit, as ZapSign documents its own (spec §4): N requests per
fixed window (a second, a minute or an hour), counted per API token; past it, 429 for the rest
of the window.

Written as `500/m`, `20/s`, `10000/h`, or `none`. (The client has its own parser: the sandbox
imports nothing of the client.)
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600}
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    def __str__(self) -> str:
        unit = {1: "s", 60: "m", 3600: "h"}[self.seconds]
        return f"{self.count}/{unit}"


def parse_limit(text: str) -> Limit | None:
    """A limit from its written form; None for `none`; ValueError for anything else."""
    value = text.strip().lower()
    if value in ("none", "off"):
        return None
    match = _SPEC.match(value)
    seconds = _UNITS.get(match.group(2)) if match else None
    if match is None or seconds is None or int(match.group(1)) < 1:
        raise ValueError(
            f"invalid rate {text!r}: give requests per window, e.g. 500/m, 20/s, 10000/h, none"
        )
    return Limit(int(match.group(1)), seconds)


@dataclass
class Window:
    """One token's count in the current window."""

    index: int = -1
    used: int = 0

    def admit(self, limit: Limit | None, now: float | None = None) -> float | None:
        """Count a request; None when it is within the limit, else the seconds until the
        window resets (for Retry-After)."""
        if limit is None:
            return None
        moment = time.time() if now is None else now
        index = int(moment // limit.seconds)
        if index != self.index:
            self.index, self.used = index, 0
        self.used += 1
        if self.used <= limit.count:
            return None
        return (index + 1) * limit.seconds - moment
