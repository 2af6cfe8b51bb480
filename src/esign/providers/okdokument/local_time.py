"""Bratislava wall-clock time, where OKdokument's servers keep their timestamps.

Computed from the EU summer-time rule (UTC+2 from 01:00 UTC on the last Sunday of March to
01:00 UTC on the last Sunday of October, UTC+1 otherwise; Slovakia has followed it since
1996) rather than from the system's time-zone database: slim container images often have
none, and without one the times would silently be an hour or two off. It also keeps
`zoneinfo` and `sysconfig` (about 2 ms) out of every `doc info`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

STANDARD = timedelta(hours=1)
SUMMER = timedelta(hours=2)


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def _summer_time_utc(year: int) -> tuple[datetime, datetime]:
    start = datetime.combine(_last_sunday(year, 3), datetime.min.time(), UTC)
    end = datetime.combine(_last_sunday(year, 10), datetime.min.time(), UTC)
    return start + timedelta(hours=1), end + timedelta(hours=1)


def _offset_at(moment_utc: datetime) -> timedelta:
    start, end = _summer_time_utc(moment_utc.year)
    return SUMMER if start <= moment_utc < end else STANDARD


def to_utc(local: datetime) -> datetime:
    """A naive Bratislava wall-clock time as an aware UTC time. Around the changes, `fold`
    decides as it does for `zoneinfo`: in October's repeated hour, 0 is the first (summer)
    occurrence and 1 the second; in March's skipped hour, 0 reads the time with the offset
    before the change and 1 with the offset after it."""
    naive = local.replace(tzinfo=None)
    as_summer = (naive - SUMMER).replace(tzinfo=UTC)
    as_standard = (naive - STANDARD).replace(tzinfo=UTC)
    summer = _offset_at(as_summer) == SUMMER
    standard = _offset_at(as_standard) == STANDARD
    if summer and standard:  # the repeated hour
        return as_standard if local.fold else as_summer
    if summer or standard:
        return as_summer if summer else as_standard
    return as_summer if local.fold else as_standard  # the skipped hour


def from_utc(moment: datetime) -> datetime:
    """An aware time as a naive Bratislava wall-clock time."""
    utc = moment.astimezone(UTC)
    return (utc + _offset_at(utc)).replace(tzinfo=None)
