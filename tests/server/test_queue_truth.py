"""Queue truth: one priority ticket per chip-ID card a day, when issuing reopens, the number kept on transfer."""
from __future__ import annotations

import uuid

import pytest


CARD = "3f" * 16          # the kiosk's salted hash of a card (never the ID number)


@pytest.fixture
def api(api_factory):
    return api_factory()


def issue(api, service="civil", **body):
    return api.post("/api/v1/tickets", json={"service": service, **body},
                    headers={**api.kiosk, "Idempotency-Key": uuid.uuid4().hex})


def test_a_card_holds_one_active_priority_ticket_a_day(api):
    first = issue(api, priority="elderly", priority_proof="cccd_age", person_hash=CARD)
    assert first.status_code == 201
    again = issue(api, "land", priority="elderly", priority_proof="cccd_age", person_hash=CARD)
    assert again.status_code == 200 and again.json()["existing_ticket"] is True
    assert again.json()["number"] == first.json()["number"] and again.json()["status_url"] == first.json()["status_url"]
    other = issue(api, priority="elderly", priority_proof="cccd_age", person_hash="4e" * 16)
    assert other.status_code == 201 and other.json()["number"] != first.json()["number"]
    assert issue(api).status_code == 201                         # a normal ticket is never held back
    # once served, the card may take a new priority number the same day
    called = api.post("/api/v1/counters/1/call-next", headers=api.officer).json()
    assert called["id"] == first.json()["id"]
    api.post(f"/api/v1/tickets/{called['id']}/start", headers=api.officer)
    api.post(f"/api/v1/tickets/{called['id']}/finish", headers=api.officer)
    assert issue(api, priority="elderly", priority_proof="cccd_age", person_hash=CARD).status_code == 201
    stored = api.app.state.store.query("SELECT person FROM priority_claims")
    assert CARD not in {r["person"] for r in stored}              # a hash of the hash, not what the kiosk sent


def test_card_hashes_are_erased_with_the_day(api):
    issue(api, priority="elderly", person_hash=CARD)
    api.app.state.settings.clock.advance(days=1)
    issue(api, "civil")                                           # the day's first ticket closes yesterday
    assert api.app.state.store.query("SELECT * FROM priority_claims") == []


def test_a_bad_card_hash_is_a_clear_422(api):
    r = issue(api, priority="elderly", person_hash="not hex!")
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"


def test_outside_the_windows_the_refusal_says_when_issuing_reopens(api):
    clock = api.app.state.settings.clock
    clock.set("2026-11-23T12:00:00+07:00")                        # lunch break
    r = issue(api)
    assert r.status_code == 409 and r.json()["error"]["code"] == "outside_hours"
    assert "quay lại lúc 13:15" in r.json()["error"]["message"] and "reopens at 13:15" in r.json()["error"]["message"]
    assert api.get("/api/v1/site").json()["next_open_at"] == "2026-11-23T13:15+07:00"
    clock.set("2026-11-23T17:00:00+07:00")
    assert "07:00 thứ Ba 24/11" in issue(api).json()["error"]["message"]
