"""Time: every "now" comes from an injectable clock; days start at local midnight.

The service day is computed in the site's time zone (Asia/Ho_Chi_Minh) from an
aware UTC instant, so numbering resets at 00:00 in Vietnam whatever the
machine's TZ variable says.
"""
from __future__ import annotations

import threading
import time as _time
from datetime import datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def local(dt: datetime, tz: ZoneInfo = VN) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("naive datetime: pass an aware instant")
    return dt.astimezone(tz)


def service_day(dt: datetime, tz: ZoneInfo = VN) -> str:
    return local(dt, tz).date().isoformat()


def to_ts(dt: datetime) -> float:
    return dt.timestamp()


def iso_local(ts: float | None, tz: ZoneInfo = VN) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz).isoformat(timespec="seconds")


class FakeClock:
    """A clock tests move by hand: FakeClock("2026-11-23T08:00:00+07:00").advance(minutes=5)."""

    def __init__(self, start: datetime | str):
        self._now = datetime.fromisoformat(start) if isinstance(start, str) else start
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs an aware start time")
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now

    def set(self, when: datetime | str) -> None:
        with self._lock:
            self._now = datetime.fromisoformat(when) if isinstance(when, str) else when


class ShiftedClock:
    """Real time running from a chosen start (tests and demos outside opening hours),
    optionally `rate` times faster (the soak bench lives a day in minutes)."""

    def __init__(self, start: datetime | str, rate: float = 1.0):
        start = datetime.fromisoformat(start) if isinstance(start, str) else start
        if start.tzinfo is None:
            raise ValueError("--clock-start needs a UTC offset, e.g. 2026-11-23T08:00:00+07:00")
        if not 0 < rate <= 10_000:
            raise ValueError("--clock-rate must be > 0 and at most 10000")
        self._start, self._rate, self._t0 = start, rate, utc_now()

    def __call__(self) -> datetime:
        return self._start + (utc_now() - self._t0) * self._rate


def monotonic() -> float:
    return _time.monotonic()
