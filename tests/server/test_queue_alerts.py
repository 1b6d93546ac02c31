"""'Tell me when I'm close': an SMS at N people ahead and at the call, once each, number erased after the day."""
from __future__ import annotations

import json
import logging
import uuid

import pytest
from hypothesis import given, strategies as st

from queue_server.hall.alerts import rules
from queue_server.hall.alerts.routes import run_once
from queue_server.notices.outbox import deliverer

PHONE = "0901234567"


@pytest.fixture
def api(api_factory):
    return api_factory(public_url="https://motcua.example.vn")


def issue(api, service="civil"):
    r = api.post("/api/v1/tickets", json={"service": service},
                 headers={**api.kiosk, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201, r.text
    return r.json()


def token_of(ticket):
    return ticket["status_url"].rsplit("/t/", 1)[1]


def alert_notices(api):
    return api.store.query("SELECT * FROM notices_outbox WHERE kind LIKE 'queue_%' ORDER BY id")


def everything_stored(api) -> str:
    return "\n".join(api.store.db.conn.iterdump())


@given(st.sampled_from(["0901234567", "090 123 4567", "+84 90 123 4567", "84901234567", "090-123-4567"]))
def test_vietnamese_mobile_numbers_in_any_usual_form_are_one_number(text):
    assert rules.normalise_phone(text) == PHONE


@given(st.text(max_size=20))
def test_anything_else_is_no_number_or_a_valid_mobile(text):
    out = rules.normalise_phone(text)
    assert out is None or (len(out) == 10 and out.startswith("0") and out.isdigit())


def test_bad_requests_are_clear_4xx_and_set_nothing(api):
    t = issue(api)
    url = f"/api/v1/t/{token_of(t)}/alert"
    for body, code in (({"phone": PHONE, "consent": False}, "consent_required"),
                       ({"phone": "12345", "consent": True}, "invalid_phone"),
                       ({"phone": PHONE, "consent": True, "name": "x"}, None)):
        r = api.post(url, json=body)
        assert r.status_code == 422 and "error" in r.json(), r.text
        if code:
            assert r.json()["error"]["code"] == code
    assert api.post("/api/v1/t/not-a-token/alert", json={"phone": PHONE, "consent": True}).status_code == 404
    assert api.get(url).json()["active"] is False
    assert PHONE not in everything_stored(api)


def test_near_and_called_notices_once_each_then_the_number_is_gone(api, caplog):
    caplog.set_level(logging.DEBUG)
    api.post("/api/v1/counters/5/sign-in", headers=api.officer)
    tickets = [issue(api) for _ in range(5)]
    mine = tickets[-1]                                       # 4 people ahead, the alert is at 3
    r = api.post(f"/api/v1/t/{token_of(mine)}/alert", json={"phone": "090 123 4567", "consent": True, "lang": "vi"})
    assert r.status_code == 201, r.text
    assert r.json() == {"active": True, "phone": "*******567", "ahead": 3, "near_sent": False,
                        "called_sent": False, "threshold": 3}
    run_once(api.app)
    assert alert_notices(api) == []                          # 4 ahead: not yet

    api.post("/api/v1/counters/5/call-next", headers=api.officer)   # 3 ahead now
    run_once(api.app)
    run_once(api.app)                                       # a second round: the same moment is not sent again
    near = alert_notices(api)
    assert len(near) == 1 and near[0]["kind"] == "queue_near" and near[0]["channel"] == "file"
    assert near[0]["recipient"] == PHONE and near[0]["recipient_masked"] == "*******567"
    assert "còn 3 người phía trước" in near[0]["body"] and mine["status_url"] in near[0]["body"]
    assert mine["status_url"] not in near[0]["body_redacted"] and PHONE not in near[0]["body_redacted"]

    for _ in range(3):                                       # 2, 1, 0 ahead: no more "close" notices
        api.post("/api/v1/counters/5/call-next", headers=api.officer)
        run_once(api.app)
    assert len(alert_notices(api)) == 1
    called = api.post("/api/v1/counters/5/call-next", headers=api.officer).json()
    assert called["number"] == mine["number"]
    run_once(api.app)
    api.post(f"/api/v1/tickets/{called['id']}/recall", headers=api.officer)   # a recall is the same moment
    run_once(api.app)
    sent = alert_notices(api)
    assert [n["kind"] for n in sent] == ["queue_near", "queue_called"]
    assert sent[1]["body"].endswith(f": mời ông/bà số {mine['number']} đến quầy 5.")
    assert api.get(f"/api/v1/t/{token_of(mine)}/alert").json()["called_sent"] is True

    now = api.app.state.settings.clock()
    deliverer(api.app).run_due(now)                         # the file outbox: what a gateway picks up
    files = sorted(api.app.state.notices_deliverer.outbox.glob("*.json"))
    messages = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    assert [m["to"] for m in messages] == [PHONE, PHONE]
    assert all(n["recipient"] is None and n["body"] is None for n in alert_notices(api))   # sent: wiped

    api.post(f"/api/v1/tickets/{called['id']}/start", headers=api.officer)
    api.post(f"/api/v1/tickets/{called['id']}/finish", headers=api.officer)
    run_once(api.app)
    assert PHONE not in everything_stored(api)               # the ticket is over: the clear number is gone
    assert PHONE not in caplog.text and "4567" not in caplog.text

    api.app.state.settings.clock.advance(days=1)
    run_once(api.app)                                       # the day's sweep
    assert api.store.query("SELECT * FROM ticket_alerts") == []
    assert not list(api.app.state.notices_deliverer.outbox.glob("*.json"))     # the messages with the number are deleted too
    assert "567" not in "".join(str(n["recipient"]) for n in alert_notices(api) if n["recipient"])


def test_a_pending_notice_of_a_past_day_is_dropped_with_its_number(api):
    api.app.state.lockers_worker.stop()                     # no delivery: the notice stays pending
    t = issue(api)
    api.post(f"/api/v1/t/{token_of(t)}/alert", json={"phone": PHONE, "consent": True})
    run_once(api.app)                                       # 0 ahead: "close" queued, not delivered
    assert alert_notices(api)[0]["state"] == "pending"
    api.app.state.settings.clock.advance(days=1)
    run_once(api.app)
    row = alert_notices(api)[0]
    assert row["state"] == "failed" and row["last_error"] == "day over" and row["recipient"] is None
    assert PHONE not in everything_stored(api)


def test_a_stopped_alert_deletes_the_number(api):
    t = issue(api)
    url = f"/api/v1/t/{token_of(t)}/alert"
    api.post(url, json={"phone": PHONE, "consent": True})
    assert api.delete(url).json() == {"active": False}
    assert PHONE not in everything_stored(api)
    run_once(api.app)
    assert alert_notices(api) == []
