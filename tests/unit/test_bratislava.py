"""OKdokument's `modification` times are Bratislava wall-clock time: read with the IANA data,
known instants in both directions, around both changes, and on a system without a time-zone
database of its own (the tzdata package supplies it)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from esign.providers.okdokument import local_time


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        (datetime(2024, 1, 15, 12, 0), datetime(2024, 1, 15, 11, 0, tzinfo=UTC)),  # CET
        (datetime(2024, 7, 1, 12, 0), datetime(2024, 7, 1, 10, 0, tzinfo=UTC)),  # CEST
        # 31 March 2024, 02:00 -> 03:00: the last winter minute, and the first summer one.
        (datetime(2024, 3, 31, 1, 59), datetime(2024, 3, 31, 0, 59, tzinfo=UTC)),
        (datetime(2024, 3, 31, 3, 0), datetime(2024, 3, 31, 1, 0, tzinfo=UTC)),
        # 27 October 2024, 03:00 -> 02:00: 02:30 happens twice; fold picks which.
        (datetime(2024, 10, 27, 2, 30, fold=0), datetime(2024, 10, 27, 0, 30, tzinfo=UTC)),
        (datetime(2024, 10, 27, 2, 30, fold=1), datetime(2024, 10, 27, 1, 30, tzinfo=UTC)),
    ],
)
def test_known_instants_both_ways(local: datetime, utc: datetime) -> None:
    assert local_time.to_utc(local) == utc
    assert local_time.from_utc(utc) == local.replace(fold=0)


def test_without_a_system_time_zone_database_the_tzdata_package_answers() -> None:
    code = (
        "import zoneinfo, datetime as d\n"
        "assert not any(p for p in zoneinfo.TZPATH), zoneinfo.TZPATH\n"
        "from esign.providers.okdokument import local_time\n"
        "print(local_time.to_utc(d.datetime(2024, 7, 1, 12, 0)).isoformat())\n"
    )
    env = {**os.environ, "PYTHONTZPATH": ""}  # no system database is looked at
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "2024-07-01T10:00:00+00:00"
