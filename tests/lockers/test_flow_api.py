"""Deposit → notice → pickup → collected, through the HTTP API of an in-process server."""
from __future__ import annotations

import json
import logging

KIOSK = "result-1"


def test_dossier_codes_are_per_agency_per_day_and_names_masked(desk, caplog):
    caplog.set_level(logging.DEBUG)
    a, b = desk.dossier(), desk.dossier(applicant_name="Trần Thị Bích")
    assert a["code"] == "000.00.00.H56-261123-0001" and b["code"] == "000.00.00.H56-261123-0002"
    assert a["applicant"] == "N*** V*** A***" and a["phone"] == "*******678"
    imported = desk.dossier(code="000.00.00.H56-261123-0007")
    assert imported["code"].endswith("-0007") and imported["source"] == "import"
    # an import does not move the day's counter (one `-9999` would end the day); its number is skipped
    assert [desk.dossier()["code"][-4:] for _ in range(5)] == ["0003", "0004", "0005", "0006", "0008"]
    desk.clock.advance(days=1)
    assert desk.dossier()["code"] == "000.00.00.H56-261124-0001"
    public = desk.client.get(f"/api/v1/dossiers/{a['code']}").json()
    assert public["status"] == 2 and public["status_name"] == "Đã tiếp nhận" and "phone" not in public
    assert set(public) == {"code", "status", "status_name", "status_name_en", "due_at",
                           "next_step", "next_step_en", "overdue"}  # nothing more: no name, no procedure
    listing = desk.client.get("/api/v1/dossiers", headers=desk.staff).text
    everything = listing + json.dumps(public) + caplog.text
    for secret in ("Nguyễn", "Văn An", "0912345678", "Trần Thị"):
        assert secret not in everything
    bad = desk.client.post("/api/v1/dossiers", json={"code": "H56-1"}, headers=desk.staff)
    assert bad.status_code == 422 and "000.00.21.H29-230101-0001" in bad.json()["error"]["message"]
    dup = desk.client.post("/api/v1/dossiers", json={"code": imported["code"]}, headers=desk.staff)
    assert dup.status_code == 409


def test_deposit_notify_pickup_collected(desk, caplog):
    caplog.set_level(logging.DEBUG)
    d = desk.dossier()
    parcel = desk.deposit(d["code"])
    assert parcel["state"] == "ready" and parcel["compartment"] == 1
    assert desk.client.get(f"/api/v1/dossiers/{d['code']}").json()["status"] == 9
    assert desk.deliver()["sent"] == 1
    (otp,) = desk.codes(d["code"])
    notices = desk.client.get(f"/api/v1/notices?dossier={d['code']}", headers=desk.sup).json()
    assert notices[0]["state"] == "sent" and otp not in json.dumps(notices) and "******" in notices[0]["text"]
    assert "Tủ trả kết quả" in notices[0]["text"] and "Hạn nhận: 03/12/2026" in notices[0]["text"]

    ok = desk.verify(d["code"], otp)
    assert ok.status_code == 200, ok.text
    assert ok.json()["compartment"] == 1 and ok.json()["state"] == "opening"
    # Closing before the board confirmed any opening does not collect anything.
    early = desk.report(1, "sensor", door_open=False, item=False)
    assert early["parcel"]["state"] == "opening"  # the kiosk may be about to pulse the lock: left alone
    desk.clock.advance(seconds=61)
    late = desk.report(1, "sensor", door_open=False, item=False)
    assert late["parcel"]["state"] == "ready" and "item_missing" in [a["kind"] for a in desk.alerts()]
    assert desk.client.get(f"/api/v1/dossiers/{d['code']}").json()["status"] == 9
    ok = desk.verify(d["code"], otp)  # the code stays valid
    pid = ok.json()["id"]
    desk.report(1, "open_confirmed", parcel_id=pid, door_open=True, item=True)
    done = desk.report(1, "closed", parcel_id=pid, door_open=False, item=False)
    assert done["result"] == "collected" and done["receipt"]["compartment"] == 1
    dossier = desk.client.get(f"/api/v1/dossiers/{d['code']}", headers=desk.staff).json()
    assert dossier["status"] == 10 and dossier["collected_kiosk"] == KIOSK and dossier["collected_at"]
    assert desk.verify(d["code"], otp).json()["error"]["code"] == "already_collected"
    actions = [a["action"] for a in desk.client.get("/api/v1/lockers/audit", headers=desk.sup).json()]
    assert {"reserve", "open_confirmed", "closed", "pickup_authorised"} <= set(actions)
    assert otp not in caplog.text and "0912345678" not in caplog.text


def test_wrong_codes_slow_the_dossier_down_and_alert_staff(desk):
    d = desk.dossier()
    desk.deposit(d["code"])
    desk.deliver()
    (otp,) = desk.codes(d["code"])
    wrong = "000000" if otp != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        r = desk.verify(d["code"], wrong)
        assert r.status_code == 403 and r.json()["error"]["tries_left"] == left
    r = desk.verify(d["code"], otp)      # even the right code waits: nobody learns anything meanwhile
    assert r.status_code == 429 and r.headers["Retry-After"] == "60" and r.json()["error"]["code"] == "rate_limited"
    assert [a["kind"] for a in desk.alerts()] == ["pickup_slowed"]
    parcel = desk.client.get("/api/v1/lockers/parcels?state=ready", headers=desk.staff).json()[0]
    assert not parcel["locked"] and parcel["failed_tries"] == 5
    desk.clock.advance(seconds=61)       # slowed down, never locked: the owner just waits
    assert desk.verify(d["code"], otp).status_code == 200


def test_supervisor_can_still_issue_a_new_code(desk):
    d = desk.dossier()
    desk.deposit(d["code"])
    desk.deliver()
    (otp,) = desk.codes(d["code"])
    parcel = desk.client.get("/api/v1/lockers/parcels?state=ready", headers=desk.staff).json()[0]
    r = desk.client.post(f"/api/v1/lockers/parcels/{parcel['id']}/new-code", headers=desk.sup)
    assert r.status_code == 200 and not r.json()["locked"]
    desk.deliver()
    fresh = desk.codes(d["code"])[-1]
    assert desk.verify(d["code"], otp).status_code == 403 or otp == fresh  # the old code is gone
    assert desk.verify(d["code"], fresh).status_code == 200


def test_rate_limit_per_kiosk(desk):
    d = desk.dossier()
    desk.deposit(d["code"])
    statuses = [desk.verify("000.00.00.H56-261123-9999", "123456").status_code for _ in range(14)]
    assert statuses.count(404) >= 9 and statuses[-1] == 429


def test_door_that_does_not_open_keeps_the_code_and_alerts(desk):
    d = desk.dossier()
    desk.deposit(d["code"])
    desk.deliver()
    (otp,) = desk.codes(d["code"])
    p = desk.verify(d["code"], otp).json()
    out = desk.report(p["compartment"], "open_failed", parcel_id=p["id"], reason="jammed")
    assert out["parcel"]["state"] == "ready"
    assert [a["kind"] for a in desk.alerts()] == ["door_failed"]
    assert desk.client.get(f"/api/v1/dossiers/{d['code']}").json()["status"] == 9
    assert desk.verify(d["code"], otp).status_code == 200  # still valid


def test_deposit_door_failure_takes_compartment_out_and_next_deposit_gets_another(desk):
    d = desk.dossier()
    r = desk.client.post(f"/api/v1/lockers/{KIOSK}/deposits", json={"dossier": d["code"]}, headers=desk.staff).json()
    desk.report(r["compartment"], "open_failed", parcel_id=r["id"], reason="jammed")
    again = desk.client.post(f"/api/v1/lockers/{KIOSK}/deposits", json={"dossier": d["code"]}, headers=desk.staff)
    assert again.status_code == 201 and again.json()["compartment"] == r["compartment"] + 1
    bank = desk.client.get(f"/api/v1/lockers/{KIOSK}", headers=desk.kiosk).json()
    assert bank["compartments"][0]["disabled"] and bank["compartments"][0]["disabled_reason"] == "jammed"


def test_sizes_and_full_bank(desk):
    ds = [desk.dossier() for _ in range(5)]
    got = [desk.client.post(f"/api/v1/lockers/{KIOSK}/deposits", json={"dossier": d["code"], "size": "L"},
                            headers=desk.staff) for d in ds]
    assert [g.json()["compartment"] for g in got[:4]] == [13, 14, 15, 16]
    assert got[4].json()["compartment"] == 29 and got[4].json()["size"] == "L"
    twice = desk.client.post(f"/api/v1/lockers/{KIOSK}/deposits", json={"dossier": ds[0]["code"]}, headers=desk.staff)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_deposited"
    for _ in range(3):
        d = desk.dossier()
        desk.client.post(f"/api/v1/lockers/{KIOSK}/deposits", json={"dossier": d["code"], "size": "L"}, headers=desk.staff)
    full = desk.client.post(f"/api/v1/lockers/{KIOSK}/deposits", json={"dossier": desk.dossier()["code"], "size": "L"},
                            headers=desk.staff)
    assert full.status_code == 409 and full.json()["error"]["code"] == "no_free_compartment"


def test_reminder_then_return_to_counter(desk):
    d = desk.dossier(email="an.nguyen@example.vn")
    desk.deposit(d["code"])
    desk.deliver()
    (first,) = desk.codes(d["code"])
    desk.clock.advance(days=2)
    assert desk.client.post("/api/v1/lockers/sweep", headers=desk.sup).json()["reminded"] == 0
    desk.clock.advance(days=1, minutes=1)
    assert desk.client.post("/api/v1/lockers/sweep", headers=desk.sup).json()["reminded"] == 1
    desk.deliver()
    codes = desk.codes(d["code"])
    assert len(codes) == 1 and codes[0] != first  # the 3-day-old message file was deleted (file_keep_hours)
    notices = desk.client.get(f"/api/v1/notices?dossier={d['code']}", headers=desk.sup).json()
    assert notices[0]["kind"] == "reminder" and notices[0]["text"].startswith("Nhắc")
    desk.clock.advance(days=7)
    assert desk.client.post("/api/v1/lockers/sweep", headers=desk.sup).json()["return_due"] == 1
    assert desk.verify(d["code"], codes[-1]).json()["error"]["code"] == "at_counter"
    assert "return_due" in [a["kind"] for a in desk.alerts()]
    parcel = desk.client.get("/api/v1/lockers/parcels?state=return_due", headers=desk.staff).json()[0]
    assert desk.client.post(f"/api/v1/lockers/parcels/{parcel['id']}/retrieve", headers=desk.staff).status_code == 403
    r = desk.client.post(f"/api/v1/lockers/parcels/{parcel['id']}/retrieve", headers=desk.sup)
    assert r.json()["state"] == "retrieving"
    (cmd,) = desk.client.get(f"/api/v1/lockers/{KIOSK}/commands", headers=desk.kiosk).json()
    assert cmd["purpose"] == "retrieve" and cmd["compartment"] == 1
    desk.report(1, "open_confirmed", parcel_id=parcel["id"], door_open=True, item=True)
    out = desk.report(1, "closed", parcel_id=parcel["id"], door_open=False, item=False)
    assert out["result"] == "returned"
    dossier = desk.client.get(f"/api/v1/dossiers/{d['code']}", headers=desk.staff).json()
    assert dossier["status"] == 9 and dossier["returned_to_counter_at"]
    assert desk.client.get(f"/api/v1/lockers/{KIOSK}/commands", headers=desk.kiosk).json() == []


def test_deposit_refused_while_the_dossier_has_no_result(desk):
    d = desk.dossier()
    for status in (5, 8):  # supplement requested, stopped
        r = desk.client.post(f"/api/v1/dossiers/{d['code']}/status", json={"status": status}, headers=desk.staff)
        assert r.status_code == 200, r.text
        refused = desk.client.post(f"/api/v1/lockers/{KIOSK}/deposits", json={"dossier": d["code"], "size": "S"},
                                   headers=desk.staff)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_ready"
        assert "chưa có kết quả" in refused.json()["error"]["message"]
    bank = desk.client.get(f"/api/v1/lockers/{KIOSK}", headers=desk.staff).json()
    assert "reserved" not in json.dumps(bank)  # nothing was held for it
    desk.client.post(f"/api/v1/dossiers/{d['code']}/status", json={"status": 9}, headers=desk.staff)
    assert desk.deposit(d["code"])["state"] == "ready"
