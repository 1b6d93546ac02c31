"""The `[appointments]` section of the site TOML (read from the already-parsed file).

    [appointments]
    early_minutes = 30       # a booked visitor may check in this long before the slot …
    grace_minutes = 15       # … and this long after it, and is ordered as if arrived at the slot start
    no_show_limit = 2        # this many no-shows by one phone (hash) within …
    no_show_days = 60        # … these days: that phone may not book again until they age out
    closed_days = ["2027-01-01"]   # holidays: no slots at all
    [[appointments.services]]
    code = "land"            # a service of [[services]]
    days = [1, 2, 3, 4, 5]   # ISO weekdays open to booking
    hours = [["07:30", "11:00"], ["13:30", "16:00"]]
    slot_minutes = 15
    per_slot = 2             # bookings per slot
    days_ahead = 14          # bookable from tomorrow … this many days ahead (today too if today_ok)

A slot is offered only if its start lies in an issuing window ([[windows]]): bookings
and walk-ins follow the same hours. Without the section, nothing is bookable.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from pathlib import Path


from queue_server.config import ConfigError, SiteConfig, _Reader, _time

_CACHE: dict[int, tuple[SiteConfig, "Booking"]] = {}


@dataclass(frozen=True)
class BookableService:
    code: str
    days: tuple[int, ...]
    hours: tuple[tuple[time, time], ...]
    slot_minutes: int
    per_slot: int
    days_ahead: int


@dataclass(frozen=True)
class Booking:
    early_minutes: float = 30.0
    grace_minutes: float = 15.0
    no_show_limit: int = 2
    no_show_days: int = 60
    closed_days: frozenset[date] = frozenset()
    services: dict[str, BookableService] | None = None

    def service(self, code: str) -> BookableService | None:
        return (self.services or {}).get(code)


def booking_of(site: SiteConfig) -> Booking:
    """The site's booking rules (parsed once per SiteConfig; a wrong section raises ConfigError)."""
    cached = _CACHE.get(id(site))
    if cached is None or cached[0] is not site:
        cached = _CACHE[id(site)] = (site, parse(site))
    return cached[1]


def parse(site: SiteConfig) -> Booking:
    table = site.sections.get("appointments")
    if table is None:
        return Booking(services={})
    if not isinstance(table, dict):
        raise ConfigError(site.path, "appointments", "expected a table")
    r = _Reader(Path(site.path), table, "appointments.")
    closed = set()
    for n, text in enumerate(r.get("closed_days", list, [])):
        try:
            closed.add(date.fromisoformat(text))
        except (TypeError, ValueError):
            raise r.fail(f"closed_days[{n}]", f"expected YYYY-MM-DD, got {text!r}") from None
    services: dict[str, BookableService] = {}
    for s in r.sub("services") if "services" in table else []:
        code = s.code()
        if code not in site.services:
            raise s.fail("code", f"{code!r} is not a service in [[services]]")
        days = tuple(s.get("days", list, [1, 2, 3, 4, 5]))
        if not days or not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
            raise s.fail("days", "expected ISO weekdays 1–7")
        hours = []
        for n, pair in enumerate(s.get("hours", list)):
            if not (isinstance(pair, list) and len(pair) == 2):
                raise s.fail(f"hours[{n}]", 'expected ["HH:MM", "HH:MM"]')
            h = _Reader(s.path, {"start": pair[0], "end": pair[1]}, f"{s.prefix}hours[{n}].")
            start, end = _time(h, "start"), _time(h, "end")
            if end <= start:
                raise s.fail(f"hours[{n}]", "end must be after start")
            hours.append((start, end))
        services[code] = BookableService(code, days, tuple(hours), s.get("slot_minutes", int, 15, positive=True),
                                         s.get("per_slot", int, 1, positive=True),
                                         s.get("days_ahead", int, 14, positive=True))
    booking = Booking(float(r.get("early_minutes", (int, float), 30)), float(r.get("grace_minutes", (int, float), 15)),
                      r.get("no_show_limit", int, 2, positive=True), r.get("no_show_days", int, 60, positive=True),
                      frozenset(closed), services)
    if booking.early_minutes < 0 or booking.grace_minutes < 0:
        raise r.fail("early_minutes", "early_minutes and grace_minutes must be ≥ 0")
    return booking


