"""Integration test fixtures: an in-process app with an `integration` device key."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bench.live_server import MONDAY_MORNING
from queue_server.auth.accounts import add_device, add_user, login
from queue_server.clock import FakeClock

CODE = "000.00.21.H56-261120-{:04d}"


def item(n: int = 1, status: int = 2, at: str = "2026-11-20T09:00:00+07:00", **kw) -> dict:
    return {"code": CODE.format(n), "status": status, "status_at": at,
            "procedure": "Cấp đổi Giấy chứng nhận quyền sử dụng đất", "received_at": "2026-11-20T08:30:00+07:00",
            "due_at": "2026-12-04T17:00:00+07:00", "applicant_name": "Nguyễn Văn An", "phone": "0912345678",
            "email": "an.nguyen@example.vn", "zalo_id": "zl-1234", **kw}


class Hub:
    def __init__(self, app, store, clock):
        self.app, self.store, self.clock = app, store, clock
        self.client = TestClient(app)
        add_user(store, "sup1", "supervisor", "pw-12345678")
        add_user(store, "off1", "officer", "pw-12345678")
        now = clock()
        self.sup = {"Authorization": "Bearer " + login(store, "sup1", "pw-12345678", now, 24)["token"]}
        self.staff = {"Authorization": "Bearer " + login(store, "off1", "pw-12345678", now, 24)["token"]}
        self.key = {"Authorization": "Bearer " + add_device(store, "igate", "integration")}
        self.kiosk = {"Authorization": "Bearer " + add_device(store, "kiosk-1", "kiosk")}

    def push(self, *items: dict, headers: dict | None = None):
        return self.client.post("/api/v1/integrations/dossiers", json={"items": list(items)},
                                headers=self.key if headers is None else headers)

    def results(self, *items: dict) -> list[str]:
        r = self.push(*items)
        assert r.status_code == 200, r.text
        return [a["result"] for a in r.json()["results"]]

    def messages(self, dossier: str) -> list[dict]:
        """Messages the applicant received about a dossier, oldest first (delivered from the file outbox)."""
        r = self.client.post("/api/v1/notices/run", headers=self.sup)
        assert r.status_code == 200, r.text
        outbox = Path(self.app.state.settings.db_path).parent / "outbox"
        found = [json.loads(f.read_text(encoding="utf-8")) for f in sorted(outbox.glob("*.json"))]
        return [m for m in found if dossier in m["text"]]

    def postal_code(self, dossier: str) -> str:
        """The latest postal confirmation code sent to the applicant."""
        codes = [m.group(1) for msg in self.messages(dossier)
                 for m in [re.search(r"qua bưu điện \(gửi tới [^)]*\): (\d{6})", msg["text"])] if m]
        assert codes, "no confirmation code was sent"
        return codes[-1]

    def dossier(self, n: int, *, anonymous: bool = False) -> dict:
        """The staff view (contacts masked); ``anonymous``: what anyone with the code sees."""
        r = self.client.get(f"/api/v1/dossiers/{CODE.format(n)}", headers={} if anonymous else self.staff)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def hub(app_factory):
    clock = FakeClock(MONDAY_MORNING)
    app, store = app_factory(clock=clock)
    return Hub(app, store, clock)
