"""Locker test fixtures: an in-process app with a hand-moved clock, and helpers
that play the result kiosk's part over HTTP (the board's answers are given
explicitly here; the end-to-end tests use the real simulator over a pty)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from queue_server.auth.accounts import add_device, add_user, login
from queue_server.clock import FakeClock
from bench.live_server import MONDAY_MORNING

KIOSK = "result-1"


class Desk:
    """TestClient + staff token + kiosk key + clock, with the few calls every test needs."""

    def __init__(self, app, store, clock: FakeClock):
        self.app, self.store, self.clock = app, store, clock
        self.client = TestClient(app)
        for role in ("officer", "supervisor"):
            add_user(store, f"{role}9", role, "pw-12345678")
        now = clock()
        self.staff = {"Authorization": "Bearer " + login(store, "officer9", "pw-12345678", now, 24 * 365)["token"]}
        self.sup = {"Authorization": "Bearer " + login(store, "supervisor9", "pw-12345678", now, 24 * 365)["token"]}
        self.kiosk = {"Authorization": "Bearer " + add_device(store, "result-1", "kiosk")}
        self.outbox = Path(app.state.settings.db_path).parent / "outbox"

    def dossier(self, **kw) -> dict:
        body = {"procedure": "Cấp đổi Giấy chứng nhận", "applicant_name": "Nguyễn Văn An",
                "phone": "0912345678", **kw}
        r = self.client.post("/api/v1/dossiers", json=body, headers=self.staff)
        assert r.status_code == 201, r.text
        return r.json()

    def report(self, n: int, event: str, **kw) -> dict:
        r = self.client.post(f"/api/v1/lockers/{KIOSK}/compartments/{n}/report", json={"event": event, **kw},
                             headers=self.kiosk)
        assert r.status_code == 200, r.text
        return r.json()

    def deposit(self, code: str, size: str = "S") -> dict:
        r = self.client.post(f"/api/v1/lockers/{KIOSK}/deposits", json={"dossier": code, "size": size},
                             headers=self.staff)
        assert r.status_code == 201, r.text
        p = r.json()
        self.report(p["compartment"], "open_confirmed", parcel_id=p["id"], door_open=True, item=False)
        out = self.report(p["compartment"], "closed", parcel_id=p["id"], door_open=False, item=True)
        assert out["result"] == "ready", out
        return out["parcel"]

    def deliver(self) -> dict:
        r = self.client.post("/api/v1/notices/run", headers=self.sup)
        assert r.status_code == 200, r.text
        return r.json()

    def codes(self, dossier: str) -> list[str]:
        """Pickup codes the applicant received, oldest first (from the file outbox)."""
        import re
        found = []
        for f in sorted(self.outbox.glob("*.json")):
            msg = json.loads(f.read_text(encoding="utf-8"))
            if dossier in msg["text"]:
                m = re.search(r"Mã nhận: (\d{6})", msg["text"])
                if m:
                    found.append(m.group(1))
        return found

    def verify(self, code: str, otp: str):
        return self.client.post(f"/api/v1/lockers/{KIOSK}/pickup/verify", json={"dossier": code, "code": otp},
                                headers=self.kiosk)

    def alerts(self) -> list[dict]:
        r = self.client.get("/api/v1/lockers/alerts", headers=self.sup)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def make_desk(app_factory, tmp_path):
    """make_desk({"old text": "new text"}) → a Desk on config/site.toml with those replacements."""
    from queue_server.config import DEFAULT_CONFIG

    def make(patch: dict[str, str] | None = None) -> Desk:
        kw = {}
        if patch:
            text = DEFAULT_CONFIG.read_text(encoding="utf-8")
            for old, new in patch.items():
                assert old in text, old
                text = text.replace(old, new)
            kw["config_path"] = tmp_path / f"site{len(list(tmp_path.glob('site*.toml')))}.toml"
            kw["config_path"].write_text(text, encoding="utf-8")
        clock = FakeClock(MONDAY_MORNING)
        app, store = app_factory(clock=clock, **kw)
        return Desk(app, store, clock)
    return make


@pytest.fixture
def desk(make_desk):
    return make_desk()
