"""Check-in of an online booking at the real Kivy kiosk (Xvfb, real server): «Tôi đã đặt lịch hẹn»,
the code typed on the keypad, or the booking's QR scanned → a ticket printed as usual, ordered
from the slot start; a code typed too early says when to come back. Screens pass the audit."""
from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from bench.screenshots import SCREENSHOTS
from tests.kiosk.test_ui_flows import assert_accessible, cfg

pytestmark = pytest.mark.ui


def book(live, start: str) -> dict:
    r = httpx.post(live.base_url + "/api/v1/appointments", json={"service": "land", "start": start}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def next_slots(live) -> list[str]:
    """Today's next free land slots (the server's clock starts on a Monday at 08:00)."""
    now = datetime.fromisoformat(httpx.get(live.base_url + "/api/v1/site", timeout=30).json()["now"])
    slots = httpx.get(live.base_url + "/api/v1/appointments/slots",
                      params={"service": "land", "day": now.date().isoformat()}, timeout=30).json()
    return [s["start"] for s in slots if s["available"] and datetime.fromisoformat(s["start"]) > now]


def test_check_in_by_code_and_by_qr_prints_a_ticket(live_server, run_flow, tmp_path):
    soon = next_slots(live_server)[0]                  # within the next 15 min: inside [start − 30, start + 15]
    typed, scanned = book(live_server, soon), book(live_server, soon)
    later = book(live_server, (datetime.fromisoformat(soon) + timedelta(hours=2)).isoformat())
    steps = [["wait_screen", "home"], ["until", "c.services"], ["measure", "home"],
             ["tap", "appointment"], ["wait_screen", "appointment"], ["measure", "appointment"],
             ["shot", "kiosk-appointment-vi"],
             *[["tap", f"key:{d}"] for d in later["code"]], ["tap", "key:ok"],
             ["until", "c.checkin_state == 'refused'"], ["value", "c.checkin_error"],
             ["measure", "appointment-too-early"], ["shot", "kiosk-appointment-too-early-vi"],
             *[["tap", "key:back"] for _ in range(8)],
             *[["tap", f"key:{d}"] for d in typed["code"]], ["tap", "key:ok"],
             ["wait_screen", "ticket"], ["until", "c.ticket is not None"], ["value", "c.ticket.number"],
             ["measure", "ticket-appointment"], ["tap", "done"], ["wait_screen", "home"],
             ["scan", scanned["status_url"]], ["wait_screen", "ticket"],
             ["until", "c.ticket is not None and c.ticket.number != " + repr("?") + " and c.screen == 'ticket'"],
             ["value", "c.ticket.number"]]
    report = run_flow(cfg(live_server), steps, shots=SCREENSHOTS)
    assert "quay lại từ" in report["values"]["c.checkin_error"]     # too early: when to come back
    assert_accessible(report, {"home", "appointment", "appointment-too-early", "ticket-appointment"})
    tickets = httpx.get(live_server.base_url + "/api/v1/tickets", params={"service": "land"},
                        headers=live_server.headers("officer"), timeout=30).json()
    booked = [t for t in tickets if t["channel"] == "appointment"]
    assert len(booked) == 2
    for code in (typed["code"], scanned["code"]):
        a = httpx.get(f"{live_server.base_url}/api/v1/appointments/{code}", timeout=30).json()
        assert a["state"] == "checked_in"
    assert httpx.get(f"{live_server.base_url}/api/v1/appointments/{later['code']}", timeout=30).json()["state"] == "booked"
