"""Bounds on the numbers users give through the environment: the same as the flags'.

`ESIGN_TIMEOUT=nan` used to become a crash deep in the HTTP layer ("unexpected failure"), and
`ESIGN_MAX_ATTEMPTS=1000000` was taken although `--max-attempts` stops at 20. Settings
resolution checks each with these: exit 2, naming the flag or variable.
"""

from __future__ import annotations

import math

from esign.core.errors import UsageError

MAX_ATTEMPTS = 20  # as --max-attempts
# A per-request timeout beyond a day is a mistake, and beyond what socket timeouts take.
MAX_TIMEOUT = 86400.0


def seconds(raw: str, name: str, *, most: float = MAX_TIMEOUT) -> float:
    """A positive, finite number of seconds, at most `most`."""
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not math.isfinite(value) or value <= 0 or value > most:
        raise UsageError(
            f"{name} must be a number of seconds above 0 and at most {most:g}, got {raw!r}"
        )
    return value


def attempts(raw: str, name: str) -> int:
    """A whole number of attempts from 1 to MAX_ATTEMPTS."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise UsageError(f"{name} must be a whole number, got {raw!r}") from None
    if not 1 <= value <= MAX_ATTEMPTS:
        raise UsageError(f"{name} must be from 1 to {MAX_ATTEMPTS}, got {raw!r}")
    return value
