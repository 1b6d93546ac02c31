"""Appointments over HTTP (in-process app, real SQLite file, fake clock at Monday 08:00)."""
from __future__ import annotations


import pytest
from fastapi.testclient import TestClient

from queue_server.auth.accounts import add_device

TUESDAY = "2026-11-24"
SLOT = "2026-11-24T09:00+07:00"


@pytest.fixture
def api(api_factory):
    return api_factory()


def book(api, start=SLOT, service="land", **extra):
    return api.post("/api/v1/appointments", json={"service": service, "start": start, **extra})


def test_slots_follow_the_config_and_fill_up(api):
    slots = api.get("/api/v1/appointments/slots", params={"service": "land", "day": TUESDAY}).json()
    assert slots[0] == {"start": "2026-11-24T07:30+07:00", "end": "2026-11-24T07:45+07:00", "available": 2}
    assert slots[-1]["end"] == "2026-11-24T16:00+07:00"
    assert not any("11:00" <= s["start"][11:16] < "13:30" for s in slots)  # the lunch break is not bookable
    assert book(api).status_code == 201 and book(api).status_code == 201
    nine = [s for s in api.get("/api/v1/appointments/slots", params={"service": "land", "day": TUESDAY}).json()
            if s["start"] == SLOT]
    assert nine[0]["available"] == 0
    full = book(api)
    assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"


def test_closed_days_weekends_and_unbookable_services_have_no_slots(api):
    assert api.get("/api/v1/appointments/slots", params={"service": "land", "day": "2026-11-29"}).json() == []
    api.clock.set("2026-12-28T08:00:00+07:00")
    assert api.get("/api/v1/appointments/slots", params={"service": "land", "day": "2026-12-30"}).json()
    assert api.get("/api/v1/appointments/slots", params={"service": "land", "day": "2026-12-31"}).json() == []
    api.clock.set("2026-11-23T08:00:00+07:00")
    r = api.get("/api/v1/appointments/slots", params={"service": "health", "day": TUESDAY})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_bookable"
    r = api.get("/api/v1/appointments/slots", params={"service": "land", "day": "2027-03-01"})
    assert r.status_code == 422 and "14" in r.json()["error"]["message"]
    r = api.get("/api/v1/appointments/slots", params={"service": "land", "day": "not-a-day"})
    assert r.status_code == 422 and "error" in r.json()


def test_booking_answers_code_and_status_url_keeps_phone_masked(api):
    r = book(api, phone="0912 345 678")
    assert r.status_code == 201
    a = r.json()
    assert len(a["code"]) == 8 and a["code"].isdigit()
    assert a["start"] == "2026-11-24T09:00+07:00" and a["end"] == "2026-11-24T09:15+07:00"
    assert a["status_url"].endswith(f"/book/{a['code']}")
    assert a["phone"] == "091****678"
    stored = api.store.db.execute("SELECT phone_hash, phone_masked FROM appointments").fetchone()
    assert "0912345678" not in stored[0] and stored[1] == "091****678"
    assert api.get(f"/api/v1/appointments/{a['code']}").json()["state"] == "booked"


def test_bad_bookings_are_clear_4xx(api):
    for body, status in [({"service": "land", "start": "2026-11-24T09:05+07:00"}, 422),
                         ({"service": "land", "start": "2026-11-24T09:00"}, 422),
                         ({"service": "nope", "start": SLOT}, 404),
                         ({"service": "land", "start": SLOT, "phone": "abc"}, 422),
                         ({"service": "land", "start": "2026-11-23T07:30+07:00"}, 409),
                         ({"service": "land", "start": SLOT, "extra": 1}, 422)]:
        r = api.post("/api/v1/appointments", json=body)
        assert r.status_code == status, (body, r.text)
        assert set(r.json()["error"]) == {"code", "message"}
    assert api.delete("/api/v1/appointments/12345678").status_code == 404


def test_cancel_frees_the_slot(api):
    codes = [book(api).json()["code"] for _ in range(2)]
    r = api.delete(f"/api/v1/appointments/{codes[0]}")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert api.delete(f"/api/v1/appointments/{codes[0]}").status_code == 409
    assert book(api).status_code == 201


def test_check_in_within_the_window_is_ordered_from_the_slot_start(api):
    code = book(api, start="2026-11-23T09:00+07:00").json()["code"]
    early = api.post(f"/api/v1/appointments/{code}/check-in", headers=api.kiosk)
    assert early.status_code == 409 and "08:30" in early.json()["error"]["message"]
    # walk-ins arrive at 08:40 and 08:50, the booked visitor checks in at 08:55 for 09:00 …
    api.clock.set("2026-11-23T08:40:00+07:00")
    api.post("/api/v1/tickets", json={"service": "land"}, headers=api.kiosk)
    api.clock.set("2026-11-23T08:55:00+07:00")
    r = api.post(f"/api/v1/appointments/{code}/check-in", headers=api.kiosk)
    assert r.status_code == 201 and r.json()["channel"] == "appointment"
    assert r.json()["appointment"]["on_time"] is True
    api.clock.set("2026-11-23T09:05:00+07:00")
    walk_in = api.post("/api/v1/tickets", json={"service": "land"}, headers=api.kiosk).json()
    waiting = api.get("/api/v1/tickets", params={"state": "waiting", "service": "land"}, headers=api.officer).json()
    # … and is called after the 08:40 walk-in, before the 09:05 one
    assert [t["number"] for t in waiting] == ["A001", r.json()["number"], walk_in["number"]]
    again = api.post(f"/api/v1/appointments/{code}/check-in", headers=api.kiosk)
    assert again.status_code == 409
    assert api.post(f"/api/v1/appointments/{code}/check-in").status_code == 401


def test_late_check_in_is_a_walk_in_from_check_in(api):
    code = book(api, start="2026-11-23T08:30+07:00").json()["code"]
    api.clock.set("2026-11-23T08:50:00+07:00")
    api.post("/api/v1/tickets", json={"service": "land"}, headers=api.kiosk)
    r = api.post(f"/api/v1/appointments/{code}/check-in", headers=api.kiosk)
    assert r.status_code == 201 and r.json()["appointment"]["on_time"] is False
    waiting = api.get("/api/v1/tickets", params={"state": "waiting", "service": "land"}, headers=api.officer).json()
    assert waiting[-1]["number"] == r.json()["number"]


def test_bookings_and_walk_ins_share_the_daily_cap(api, app_factory, tmp_path):
    from pathlib import Path
    text = Path("config/site.toml").read_text(encoding="utf-8").replace("daily_cap = 250", "daily_cap = 3")
    cfg = tmp_path / "site.toml"
    cfg.write_text(text, encoding="utf-8")
    app, _ = app_factory(config_path=cfg)
    add_device(app.state.store, "k", "kiosk")
    with TestClient(app) as c:
        key = {"Authorization": f"Bearer {add_device(app.state.store, 'k2', 'kiosk')}"}
        for start in ("2026-11-23T09:00+07:00", "2026-11-23T09:15+07:00"):
            assert c.post("/api/v1/appointments", json={"service": "land", "start": start}).status_code == 201
        assert c.post("/api/v1/tickets", json={"service": "land"}, headers=key).status_code == 201
        refused = c.post("/api/v1/tickets", json={"service": "land"}, headers=key)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "daily_cap_reached"
        r = c.post("/api/v1/appointments", json={"service": "land", "start": "2026-11-23T09:30+07:00"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "daily_cap_reached"


def test_no_shows_limit_further_bookings_and_phones_are_erased_after_the_day(api):
    for start in ("2026-11-23T09:00+07:00", "2026-11-23T09:15+07:00"):
        assert book(api, start=start, phone="0912345678").status_code == 201
    api.clock.advance(days=1)
    r = book(api, start="2026-11-25T09:00+07:00", phone="0912345678")
    assert r.status_code == 409 and r.json()["error"]["code"] == "too_many_no_shows"
    assert book(api, start="2026-11-25T09:00+07:00", phone="0987654321").status_code == 201
    rows = api.store.db.execute("SELECT state, phone_hash, phone_masked FROM appointments WHERE day = '2026-11-23'").fetchall()
    assert rows == [("no_show", None, None)] * 2
    api.clock.advance(days=61)
    assert book(api, start="2027-01-25T09:00+07:00", phone="0912345678").status_code == 201


def test_a_phone_gets_reminders_through_the_outbox_wiped_on_cancel(api):
    a = book(api, start="2026-11-25T09:00+07:00", phone="0912345678").json()
    rows = api.store.db.execute("SELECT kind, channel, recipient, recipient_masked, next_ts, state FROM notices_outbox "
                                "WHERE dossier = ? ORDER BY next_ts", (f"lich-hen-{a['code']}",)).fetchall()
    from datetime import datetime
    due = [datetime.fromtimestamp(r[4]).astimezone().isoformat(timespec="minutes") for r in rows]
    assert [r[0] for r in rows] == ["appointment_reminder"] * 2
    assert [datetime.fromisoformat(d).timestamp() for d in due] == [
        datetime.fromisoformat("2026-11-24T09:00+07:00").timestamp(),
        datetime.fromisoformat("2026-11-25T08:00+07:00").timestamp()]
    assert all(r[2] == "0912345678" and r[3] != "0912345678" and r[5] == "pending" for r in rows)
    api.delete(f"/api/v1/appointments/{a['code']}")
    rows = api.store.db.execute("SELECT recipient, body, state FROM notices_outbox WHERE dossier = ?",
                                (f"lich-hen-{a['code']}",)).fetchall()
    assert rows == [(None, None, "failed")] * 2
    no_phone = book(api, start="2026-11-25T09:15+07:00").json()
    assert api.store.db.execute("SELECT COUNT(*) FROM notices_outbox WHERE dossier = ?",
                                (f"lich-hen-{no_phone['code']}",)).fetchone()[0] == 0


def test_phones_of_past_days_are_erased_by_the_server_even_if_nobody_books(app_factory):
    from queue_server.clock import FakeClock
    clock = FakeClock("2026-11-23T08:00:00+07:00")
    app, store = app_factory(clock=clock)
    with TestClient(app) as c:
        assert c.post("/api/v1/appointments", json={"service": "land", "start": SLOT, "phone": "0912345678"}
                      ).status_code == 201
    clock.set("2026-11-25T08:00:00+07:00")
    with TestClient(app):   # the server starts (or its housekeeping round comes): yesterday's booking is closed
        import time
        for _ in range(50):
            row = store.db.execute("SELECT state, phone_hash, phone_masked FROM appointments").fetchone()
            if row[0] == "no_show":
                break
            time.sleep(0.1)
    assert row == ("no_show", None, None)
    assert store.db.execute("SELECT COUNT(*) FROM appointment_no_shows").fetchone()[0] == 1


def test_guessing_codes_is_refused_after_ten_misses(api):
    code = book(api).json()["code"]
    wrong = [f"{(int(code) + n) % 10 ** 8:08d}" for n in range(1, 11)]
    for guess in wrong[:5]:
        assert api.get(f"/api/v1/appointments/{guess}").status_code == 404
    for guess in wrong[5:]:
        assert api.delete(f"/api/v1/appointments/{guess}").status_code == 404
    assert api.get(f"/book/{wrong[0]}").status_code == 429          # the 11th try, even as a page
    r = api.get(f"/api/v1/appointments/{code}")
    assert r.status_code == 429 and "Retry-After" in r.headers and r.json()["error"]["code"] == "rate_limited"
    # the kiosk (a device key) checks in by code as before: its own bucket
    assert api.post(f"/api/v1/appointments/{code}/check-in", headers=api.kiosk).status_code in (201, 409)
