"""Bratislava wall-clock time, where OKdokument's servers keep their timestamps (spec §3.4).

From the IANA time-zone database through `zoneinfo`. The `tzdata` package, a dependency of
esign, supplies the database where the system has none (slim container images): without it
the times would silently be an hour or two off.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo


@cache
def _bratislava() -> ZoneInfo:
    return ZoneInfo("Europe/Bratislava")


def to_utc(local: datetime) -> datetime:
    """A naive Bratislava wall-clock time as an aware UTC time (`fold` picks the occurrence
    in October's repeated hour, as zoneinfo defines it)."""
    return local.replace(tzinfo=_bratislava()).astimezone(UTC)


def from_utc(moment: datetime) -> datetime:
    """An aware time as a naive Bratislava wall-clock time."""
    return moment.astimezone(_bratislava()).replace(tzinfo=None)
