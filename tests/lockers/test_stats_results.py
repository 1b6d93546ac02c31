"""Results in lockers on the statistics: deposited, collected, overdue and returned, by local day."""
from __future__ import annotations

import pytest

from bench.live_server import MONDAY_MORNING
from queue_server.clock import FakeClock
from tests.lockers.conftest import Desk


def results(desk, first: str, last: str) -> dict:
    r = desk.client.get("/api/v1/stats", params={"from": first, "to": last}, headers=desk.sup)
    assert r.status_code == 200, r.text
    return r.json()["results"]


@pytest.fixture
def desk(app_factory):
    clock = FakeClock(MONDAY_MORNING)
    app, store = app_factory(clock=clock, stats_refresh_seconds=0)  # each query sees the step just played
    return Desk(app, store, clock)


def test_locker_results_are_counted_on_the_day_each_step_happened(desk):
    collected, uncollected = desk.dossier(), desk.dossier(email="an.nguyen@example.vn")
    desk.deposit(collected["code"])
    desk.deposit(uncollected["code"])
    desk.deliver()
    (otp,) = desk.codes(collected["code"])
    pid = desk.verify(collected["code"], otp).json()["id"]
    desk.report(1, "open_confirmed", parcel_id=pid, door_open=True, item=True)
    assert desk.report(1, "closed", parcel_id=pid, door_open=False, item=False)["result"] == "collected"
    assert results(desk, "2026-11-23", "2026-11-23") == {"deposited": 2, "collected": 1, "overdue": 0, "returned": 0}

    desk.clock.advance(days=3, minutes=1)
    desk.client.post("/api/v1/lockers/sweep", headers=desk.sup)  # reminder
    desk.clock.advance(days=7)  # 2026-12-03 08:01
    assert desk.client.post("/api/v1/lockers/sweep", headers=desk.sup).json()["return_due"] == 1
    parcel = desk.client.get("/api/v1/lockers/parcels?state=return_due", headers=desk.staff).json()[0]
    desk.client.post(f"/api/v1/lockers/parcels/{parcel['id']}/retrieve", headers=desk.sup)
    desk.report(parcel["compartment"], "open_confirmed", parcel_id=parcel["id"], door_open=True, item=True)
    assert desk.report(parcel["compartment"], "closed", parcel_id=parcel["id"], door_open=False,
                       item=False)["result"] == "returned"
    assert results(desk, "2026-12-03", "2026-12-03") == {"deposited": 0, "collected": 0, "overdue": 1, "returned": 1}
    assert results(desk, "2026-11-23", "2026-12-03") == {"deposited": 2, "collected": 1, "overdue": 1, "returned": 1}
    assert results(desk, "2026-11-24", "2026-12-02") == {"deposited": 0, "collected": 0, "overdue": 0, "returned": 0}
