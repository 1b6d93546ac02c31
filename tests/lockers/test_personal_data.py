"""Personal data at rest (issue 11, item 8; Decree 13/2023): pickup codes never stored in clear,
contacts erased once the result is handed over, outbox rows and files redacted or deleted."""
from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from queue_server.results.lockers.codes import PickupCodes
from queue_server.notices.outbox import Deliverer
from queue_server.notices.adapters import HttpSms
from queue_server.results.lockers.config import NoticeConfig
from tests.lockers.test_notices import Gateway

KIOSK = "result-1"


def stored_text(desk) -> str:
    """Everything the database holds, as SQL text, and the raw bytes of its files."""
    conn = desk.store.db.conn
    dump = "\n".join(conn.iterdump())
    db = Path(desk.app.state.settings.db_path)
    raw = b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())
    return dump + raw.decode("latin-1")


def collect(desk, code: str, otp: str) -> dict:
    p = desk.verify(code, otp).json()
    desk.report(p["compartment"], "open_confirmed", parcel_id=p["id"], door_open=True, item=True)
    return desk.report(p["compartment"], "closed", parcel_id=p["id"], door_open=False, item=False)


def contacts(desk, code: str) -> tuple:
    row = desk.store.one("SELECT phone, email, zalo_id FROM dossiers WHERE code = ?", (code,))
    return row["phone"], row["email"], row["zalo_id"]


def test_the_pickup_code_is_never_in_the_database(desk):
    d = desk.dossier()
    desk.deposit(d["code"])
    (pending,) = desk.store.query("SELECT body, code_ref FROM notices_outbox")
    assert "Mã nhận: {code}." in pending["body"] and pending["code_ref"]
    before = stored_text(desk)
    desk.deliver()
    (otp,) = desk.codes(d["code"])                    # the citizen got it …
    assert otp not in before and otp not in stored_text(desk)   # … the database never had it
    assert desk.verify(d["code"], otp).status_code == 200


def test_a_code_lost_in_a_restart_is_redrawn_at_send_time(desk, app_factory):
    d = desk.dossier()
    desk.deposit(d["code"])                           # code drawn; message queued, not sent
    app, store = app_factory(clock=desk.clock, db_path=desk.app.state.settings.db_path)   # the server restarts
    client = TestClient(app)
    sup = desk.sup
    assert client.post("/api/v1/notices/run", headers=sup).json()["sent"] == 1
    (otp,) = desk.codes(d["code"])
    r = client.post(f"/api/v1/lockers/{KIOSK}/pickup/verify", json={"dossier": d["code"], "code": otp},
                    headers=desk.kiosk)
    assert r.status_code == 200, r.text               # the code sent is the one that works
    actions = [a["action"] for a in client.get("/api/v1/lockers/audit", headers=sup).json()]
    assert "code_redrawn" in actions


def test_contacts_are_erased_when_the_result_is_collected(desk):
    d = desk.dossier(email="an.nguyen@example.vn", zalo_id="zalo-4711")
    desk.deposit(d["code"])
    desk.deliver()
    (otp,) = desk.codes(d["code"])
    assert contacts(desk, d["code"]) == ("0912345678", "an.nguyen@example.vn", "zalo-4711")
    assert collect(desk, d["code"], otp)["result"] == "collected"
    assert contacts(desk, d["code"]) == (None, None, None)
    events = [e["type"] for e in desk.store.query("SELECT type FROM dossier_events WHERE code = ?", (d["code"],))]
    assert "contacts_erased" in events


def test_contacts_are_erased_after_the_configured_retention(make_desk):
    desk = make_desk({'contact_retention_days = 0': 'contact_retention_days = 2'})
    d = desk.dossier()
    desk.deposit(d["code"])
    desk.deliver()
    (otp,) = desk.codes(d["code"])
    collect(desk, d["code"], otp)
    assert contacts(desk, d["code"])[0] == "0912345678"          # kept for the retention period
    desk.clock.advance(days=2, minutes=1)
    assert desk.client.post("/api/v1/lockers/sweep", headers=desk.sup).json()["contacts_erased"] == 1
    assert contacts(desk, d["code"]) == (None, None, None)


def test_contacts_are_erased_when_handed_over_at_the_counter(desk):
    d = desk.dossier(status=9, email="b@example.vn")
    r = desk.client.post(f"/api/v1/dossiers/{d['code']}/handed-over", headers=desk.staff)
    assert r.status_code == 200 and r.json()["status"] == 10
    assert contacts(desk, d["code"]) == (None, None, None)


def test_outbox_rows_and_files_do_not_keep_contacts_or_codes(make_desk):
    gw = Gateway([400])
    desk = make_desk({'channels = ["file"]': f'channels = ["file", "sms"]\nsms_url = "{gw.url}"'})
    try:
        d = desk.dossier()
        desk.deposit(d["code"])
        deliver = Deliverer(desk.store, NoticeConfig(channels=("file", "sms"), sms_url=gw.url), desk.outbox,
                            render=PickupCodes.of(desk.store).code_for)
        deliver.adapters["sms"] = HttpSms(gw.url, "k")
        assert deliver.run_due(desk.clock()) == {"sent": 1, "retry": 0, "failed": 1}   # the gateway refused
        for row in desk.store.query("SELECT * FROM notices_outbox"):
            assert row["recipient"] is None and row["body"] is None, row       # sent or given up: wiped
            assert "0912345678" not in repr(row) and not re.search(r"Mã nhận: \d{6}", repr(row))
        (f,) = desk.outbox.glob("*.json")
        desk.clock.advance(hours=23)
        assert desk.deliver()["purged"] == 0 and f.exists()
        desk.clock.advance(hours=2)
        assert desk.deliver()["purged"] == 1 and not f.exists()   # the file outbox keeps it a day, no longer
    finally:
        gw.close()
