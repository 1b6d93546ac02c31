"""One slot hammered by many concurrent bookings against a real server process: never overbooked."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

SLOT = "2026-11-24T10:00+07:00"


def test_concurrent_bookings_never_overbook_a_slot(server_factory):
    live = server_factory()

    def attempt(n: int) -> int:
        with httpx.Client(base_url=live.base_url, timeout=30) as c:
            return c.post("/api/v1/appointments", json={"service": "land", "start": SLOT}).status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        codes = list(pool.map(attempt, range(48)))
    assert codes.count(201) == 2            # per_slot = 2 in the sample config
    assert codes.count(409) == 46
    slots = httpx.get(live.base_url + "/api/v1/appointments/slots",
                      params={"service": "land", "day": SLOT[:10]}).json()
    assert [s["available"] for s in slots if s["start"] == SLOT] == [0]
