"""Bounds on the numbers users give through the environment: the same as the flags'.

`ESIGN_TIMEOUT=nan` used to become a crash deep in the HTTP layer ("unexpected failure"), and
`ESIGN_MAX_ATTEMPTS=1000000` was taken although `--max-attempts` stops at 20. Each is checked
here before settings are resolved: exit 2, naming the variable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

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


def check_environment(
    env: Mapping[str, str], *, timeout_flag: bool = False, attempts_flag: bool = False
) -> None:
    """ESIGN_TIMEOUT and ESIGN_MAX_ATTEMPTS within the bounds of their flags (unless the flag,
    which wins, was given)."""
    if env.get("ESIGN_TIMEOUT") and not timeout_flag:
        seconds(env["ESIGN_TIMEOUT"], "ESIGN_TIMEOUT")
    if env.get("ESIGN_MAX_ATTEMPTS") and not attempts_flag:
        attempts(env["ESIGN_MAX_ATTEMPTS"], "ESIGN_MAX_ATTEMPTS")
