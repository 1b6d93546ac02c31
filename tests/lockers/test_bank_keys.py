"""Locker integrity does not rest on trusting any key: only the bank's own device key drives a bank,
and door reports move a parcel only in the order the state machine allows (issue 11, item 1)."""
from __future__ import annotations

from queue_server.auth.accounts import add_device

KIOSK = "result-1"


def _ready_with_code(desk) -> tuple[dict, dict, str]:
    d = desk.dossier()
    parcel = desk.deposit(d["code"])
    desk.deliver()
    (otp,) = desk.codes(d["code"])
    return d, parcel, otp


def test_ticket_kiosk_key_with_a_citizens_code_cannot_collect(desk):
    d, parcel, otp = _ready_with_code(desk)
    ticket_kiosk = {"Authorization": "Bearer " + add_device(desk.store, "kiosk-1", "kiosk")}
    base = f"/api/v1/lockers/{KIOSK}"
    verify = desk.client.post(f"{base}/pickup/verify", json={"dossier": d["code"], "code": otp}, headers=ticket_kiosk)
    assert verify.status_code == 403 and verify.json()["error"]["code"] == "forbidden"
    n, pid = parcel["compartment"], parcel["id"]
    for body in ({"event": "open_confirmed", "parcel_id": pid, "door_open": True, "item": True},
                 {"event": "closed", "parcel_id": pid, "door_open": False, "item": False},
                 {"event": "sensor", "door_open": True, "item": False}):
        forged = desk.client.post(f"{base}/compartments/{n}/report", json=body, headers=ticket_kiosk)
        assert forged.status_code == 403, forged.text
    snap = desk.client.post(f"{base}/reconcile", json={"compartments": [{"compartment": n, "door_open": False,
                                                                          "item": False}]}, headers=ticket_kiosk)
    assert snap.status_code == 403
    for path in ("", "/commands"):
        assert desk.client.get(base + path, headers=ticket_kiosk).status_code == 403
    assert desk.client.get("/api/v1/lockers", headers=ticket_kiosk).json() == []   # no bank of its own
    assert desk.client.get(f"/api/v1/dossiers/{d['code']}").json()["status"] == 9  # not handed over
    state = desk.client.get(f"/api/v1/lockers/parcels?dossier={d['code']}", headers=desk.staff).json()[0]["state"]
    assert state == "ready"
    assert desk.verify(d["code"], otp).status_code == 200   # the citizen still collects at the real kiosk


def test_a_door_report_that_does_not_name_its_parcel_moves_nothing(desk):
    d, parcel, otp = _ready_with_code(desk)
    assert desk.verify(d["code"], otp).status_code == 200
    n = parcel["compartment"]
    assert desk.report(n, "open_confirmed", door_open=True, item=True)["result"] == "ignored"
    assert desk.report(n, "closed", door_open=False, item=False)["result"] == "ignored"
    # out of order: "closed" before any confirmed opening changes nothing either
    assert desk.report(n, "closed", parcel_id=parcel["id"], door_open=False, item=False)["parcel"]["state"] == "opening"
    assert desk.client.get(f"/api/v1/dossiers/{d['code']}").json()["status"] == 9
    actions = [a["action"] for a in desk.client.get("/api/v1/lockers/audit", headers=desk.sup).json()]
    assert "unbound_open_confirmed" in actions and "unbound_closed" in actions


def test_a_bank_can_name_its_device_keys(make_desk):
    desk = make_desk({'kiosk = "result-1"\n': 'kiosk = "result-1"\ndevices = ["tu-ketqua-1"]\n'})
    d, _, otp = _ready_with_code_named(desk, "tu-ketqua-1")
    assert desk.verify(d["code"], otp).status_code == 200
    assert desk.client.get(f"/api/v1/lockers/{KIOSK}", headers={
        "Authorization": "Bearer " + add_device(desk.store, KIOSK, "kiosk")}).status_code == 403  # not listed


def _ready_with_code_named(desk, name: str):
    desk.kiosk = {"Authorization": "Bearer " + add_device(desk.store, name, "locker")}
    return _ready_with_code(desk)


def test_one_device_key_cannot_drive_two_banks():
    import pytest
    from queue_server.config import ConfigError
    from queue_server.results.lockers.config import parse_lockers
    bank = {"boards": [0]}
    cfg = parse_lockers({"lockers": {"banks": [{"kiosk": "a", **bank}, {"kiosk": "b", "devices": ["x"], **bank}]}})
    assert cfg.bank("a").bound("a") and not cfg.bank("a").bound("x") and cfg.bank("b").bound("x")
    with pytest.raises(ConfigError, match="already bound"):
        parse_lockers({"lockers": {"banks": [{"kiosk": "a", **bank}, {"kiosk": "b", "devices": ["a"], **bank}]}})
    with pytest.raises(ConfigError, match="devices"):
        parse_lockers({"lockers": {"banks": [{"kiosk": "a", "devices": [], **bank}]}})
