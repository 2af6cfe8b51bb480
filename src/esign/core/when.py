"""Parsing the times and durations users type (`--expires-at 7d`, `--wait-timeout 10m`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from esign.core.errors import UsageError

_DURATION = re.compile(r"^\+?(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Longer would overflow dates and the operating system's timers, and means nothing to a wait.
MAX_DURATION_DAYS = 36500
MAX_DURATION_SECONDS = MAX_DURATION_DAYS * 86400


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """`90`, `90s`, `10m`, `2h`, `7d`, `1w` (a bare number is seconds)."""
    match = _DURATION.match(text.strip())
    if not match:
        raise UsageError(f"invalid {what} {text!r}", hint="use e.g. 30s, 10m, 2h, 7d or 1w")
    amount, unit = float(match.group(1)), (match.group(2) or "s").lower()
    seconds = amount * _UNIT_SECONDS[unit]
    if not seconds <= MAX_DURATION_SECONDS:  # also catches inf from 400 digits
        raise UsageError(
            f"{what} {text!r} is too long", hint=f"at most {MAX_DURATION_DAYS} days (100 years)"
        )
    return timedelta(seconds=seconds)


def parse_when(text: str, *, now: datetime, what: str = "--expires-at") -> datetime:
    """A future moment: relative (`7d`, `+36h`), an ISO date (end of that day, UTC), or an
    ISO date-time (UTC unless it carries an offset). Returns an aware UTC datetime."""
    value = text.strip()
    if _DURATION.match(value) and not value.isdigit():
        moment = now + parse_duration(value, what=what)
    else:
        moment = _absolute(
            value,
            time(23, 59, 59),
            f"invalid {what} {text!r}",
            "use a date (2026-12-31), a date-time (2026-12-31T18:00:00Z) or a duration from "
            "now (7d, 36h)",
        )
    if moment <= now:
        raise UsageError(f"{what} {text!r} is in the past")
    return moment


def parse_since(text: str, *, now: datetime, what: str = "--since") -> datetime:
    """A past moment: a duration ago (`7d`, `36h`), an ISO date (the start of that day, UTC),
    or an ISO date-time (UTC unless it carries an offset). Returns an aware UTC datetime."""
    value = text.strip()
    if _DURATION.match(value) and not value.isdigit():
        return now - parse_duration(value.lstrip("+"), what=what)
    return _absolute(
        value,
        time(0),
        f"invalid {what} {text!r}",
        "use a date (2026-01-31), a date-time (2026-01-31T18:00:00Z) or a duration back from "
        "now (7d, 36h)",
    )


def _absolute(value: str, day_time: time, message: str, hint: str) -> datetime:
    """An ISO date (at `day_time` that day, UTC) or date-time (UTC unless it carries an
    offset), as an aware UTC datetime."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            moment = datetime.combine(datetime.fromisoformat(value).date(), day_time, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(message, hint=hint) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
