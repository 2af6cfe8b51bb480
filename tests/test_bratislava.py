"""OKdokument's local_time (Bratislava wall-clock time) against the IANA database (tzdata), both
directions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from esign.providers.okdokument import local_time

ZONE = ZoneInfo("Europe/Bratislava")
SINCE_EU_RULE = datetime(1996, 1, 1)
UNTIL = datetime(2037, 12, 31)


@settings(max_examples=2000, deadline=None)
@given(st.datetimes(min_value=SINCE_EU_RULE, max_value=UNTIL))
def test_wall_clock_to_utc_matches_the_database(local: datetime) -> None:
    assert local_time.to_utc(local) == local.replace(tzinfo=ZONE).astimezone(UTC)


@settings(max_examples=2000, deadline=None)
@given(st.datetimes(min_value=SINCE_EU_RULE, max_value=UNTIL, timezones=st.just(UTC)))
def test_utc_to_wall_clock_matches_the_database(moment: datetime) -> None:
    assert local_time.from_utc(moment) == moment.astimezone(ZONE).replace(tzinfo=None)


def test_the_hours_around_each_change() -> None:
    # Every minute of the two days around both changes, for a run of years: the edges are
    # where a hand-written rule would slip.
    for year in (1996, 2003, 2019, 2026, 2031):
        for month, day in ((3, 20), (10, 20)):
            start = datetime(year, month, day)
            for minute in range(0, 14 * 24 * 60, 7):
                for fold in (0, 1):
                    local = (start + timedelta(minutes=minute)).replace(fold=fold)
                    expected = local.replace(tzinfo=ZONE).astimezone(UTC)
                    assert local_time.to_utc(local) == expected, local
                moment = datetime(year, month, day, tzinfo=UTC) + timedelta(minutes=minute)
                assert local_time.from_utc(moment) == moment.astimezone(ZONE).replace(
                    tzinfo=None
                ), moment
