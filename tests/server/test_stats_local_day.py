"""The on-time rule compares local dates; the cached conversion gives the date a clock on the wall shows."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from queue_server.reports.stats.indicators import local_day


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False),
       st.sampled_from(["Asia/Ho_Chi_Minh", "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns", "UTC"]))
def test_local_day_is_the_wall_clock_date(ts, zone):
    tz = ZoneInfo(zone)
    assert local_day(ts, tz) == datetime.fromtimestamp(ts, tz).date()
