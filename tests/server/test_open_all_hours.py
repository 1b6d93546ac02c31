"""`motcua serve --open-all-hours` (a demo at night) must say the same thing to the kiosk as it does."""
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from queue_server.clock import FakeClock

NIGHT = datetime(2026, 11, 23, 22, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_services_accepting_follows_the_issuing_windows_setting(app_factory):
    strict, _ = app_factory(clock=FakeClock(NIGHT))
    relaxed, _ = app_factory(clock=FakeClock(NIGHT), enforce_windows=False)
    with TestClient(strict) as closed, TestClient(relaxed) as open_:
        assert not any(s["accepting"] for s in closed.get("/api/v1/services").json())
        assert all(s["accepting"] for s in open_.get("/api/v1/services").json())
        assert open_.get("/api/v1/services/land").json()["accepting"]
