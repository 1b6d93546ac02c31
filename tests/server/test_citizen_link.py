"""The citizen's ticket link: unguessable token, JSON and live stream by token only."""
from __future__ import annotations

import json
import threading
import time
import uuid

import httpx
import pytest
from hypothesis import given, settings, strategies as st

from queue_server.hall.tickets.links import TOKEN_LEN, ticket_id_for, token_for

KEY = bytes(range(32))


@given(st.integers(min_value=1, max_value=2 ** 63 - 2))
def test_a_token_leads_back_to_its_ticket_and_hides_the_id(ticket_id):
    token, neighbour = token_for(KEY, ticket_id), token_for(KEY, ticket_id + 1)
    assert len(token) == TOKEN_LEN and token != str(ticket_id)
    # the next ticket's token shares no telling prefix: ids are not readable from tokens
    assert sum(a == b for a, b in zip(token, neighbour)) < TOKEN_LEN // 2
    assert ticket_id_for(KEY, token) == ticket_id
    assert ticket_id_for(bytes(32), token) is None          # another database's key: nothing


@settings(max_examples=300)
@given(st.integers(min_value=1, max_value=10 ** 6), st.integers(min_value=0, max_value=TOKEN_LEN - 1),
       st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
def test_a_changed_character_is_no_token(ticket_id, position, char):
    token = token_for(KEY, ticket_id)
    forged = token[:position] + char + token[position + 1:]
    if forged != token:
        assert ticket_id_for(KEY, forged) is None


@given(st.text(max_size=64))
def test_any_text_is_refused_or_decodes_only_when_tagged(text):
    assert ticket_id_for(KEY, text) is None or token_for(KEY, ticket_id_for(KEY, text)) == text


@pytest.fixture
def api(api_factory):
    return api_factory(public_url="https://motcua.example.vn")


def issue(api, service="land", **body):
    r = api.post("/api/v1/tickets", json={"service": service, **body},
                 headers={**api.kiosk, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201, r.text
    return r.json()


def token_of(ticket):
    return ticket["status_url"].rsplit("/t/", 1)[1]


def test_issued_ticket_carries_a_link_on_the_public_url_not_its_id(api):
    api.post("/api/v1/counters/2/sign-in", headers=api.officer)
    first, second = issue(api), issue(api)
    assert first["status_url"].startswith("https://motcua.example.vn/t/")
    assert token_of(first) != token_of(second) and token_of(first) != str(first["id"])
    view = api.get(f"/api/v1/t/{token_of(second)}").json()
    assert view["number"] == second["number"] and view["state"] == "waiting"
    assert view["people_ahead"] == 1 and view["wait_low_min"] <= view["estimated_wait_min"] <= view["wait_high_min"]
    assert "id" not in view and "status_url" not in view          # anonymous: nothing beyond the ticket itself


def test_anonymous_readers_get_no_link_from_the_id_and_no_ticket_from_a_guess(api):
    t = issue(api)
    assert "status_url" not in api.get(f"/api/v1/tickets/{t['id']}").json()
    assert api.get(f"/api/v1/tickets/{t['id']}", headers=api.kiosk).json()["status_url"] == t["status_url"]
    for guess in (str(t["id"]), t["number"], token_of(t)[:-1] + ("A" if token_of(t)[-1] != "A" else "B"), "x" * 500):
        r = api.get(f"/api/v1/t/{guess}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    page = api.get(f"/t/{t['number']}")
    assert page.status_code == 404 and "Không tìm thấy số thứ tự này" in page.text


def test_the_page_follows_call_serve_and_done(api):
    t = issue(api, "civil")
    page = api.get(t["status_url"].replace("https://motcua.example.vn", ""))
    assert page.status_code == 200 and t["number"] in page.text and "Hộ tịch" in page.text
    assert page.headers["cache-control"] == "no-store"
    called = api.post("/api/v1/counters/5/call-next", headers=api.officer).json()
    view = api.get(f"/api/v1/t/{token_of(t)}").json()
    assert view["state"] == "called" and view["counter"] == "5" and view["people_ahead"] is None
    assert "Mời ông/bà đến quầy 5" in api.get(f"/t/{token_of(t)}").text
    assert "Please go to counter 5" in api.get(f"/t/{token_of(t)}?lang=en").text
    api.post(f"/api/v1/tickets/{called['id']}/start", headers=api.officer)
    assert api.get(f"/api/v1/t/{token_of(t)}").json()["state"] == "serving"
    api.post(f"/api/v1/tickets/{called['id']}/finish", headers=api.officer)
    assert api.get(f"/api/v1/t/{token_of(t)}").json()["state"] == "done"


def test_a_transferred_ticket_is_followed_by_the_same_link(api):
    t = issue(api, "land")
    called = api.post("/api/v1/counters/2/call-next", headers=api.officer).json()
    api.post(f"/api/v1/tickets/{called['id']}/transfer", json={"service": "tax"}, headers=api.officer)
    view = api.get(f"/api/v1/t/{token_of(t)}").json()
    assert view["state"] == "waiting" and view["service"] == "tax"
    assert view["transferred_from"]["service"] == "land"


def test_a_ticket_of_a_past_day_is_expired(api):
    t = issue(api)
    api.clock.advance(days=1)
    view = api.get(f"/api/v1/t/{token_of(t)}").json()
    assert view["state"] == "expired" and view["expired"] is True and view["people_ahead"] is None
    assert "hết hạn" in api.get(f"/t/{token_of(t)}").text


def test_live_stream_sends_the_call_to_this_ticket_only(live_server):
    def issue_live(service):
        r = httpx.post(live_server.base_url + "/api/v1/tickets", json={"service": service}, timeout=30,
                       headers={**live_server.headers("kiosk"), "Idempotency-Key": uuid.uuid4().hex})
        return r.json()
    mine = issue_live("transport")
    events: list[dict] = []

    def read():
        try:
            with httpx.stream("GET", live_server.base_url + f"/api/v1/t/{token_of(mine)}/events", timeout=30) as r:
                assert r.headers["content-type"].startswith("text/event-stream")
                for line in r.iter_lines():
                    if line.startswith("data: "):
                        events.append(json.loads(line[6:]))
                        if events[-1]["state"] == "called":
                            return
        except httpx.HTTPError:
            pass
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.time() + 10
    while not events and time.time() < deadline:
        time.sleep(0.05)
    assert events and events[0]["state"] == "waiting" and events[0]["number"] == mine["number"]
    httpx.post(live_server.base_url + "/api/v1/counters/11/call-next", json={}, timeout=30,
               headers=live_server.headers("officer"))
    reader.join(10)
    assert events[-1]["state"] == "called" and events[-1]["counter"] == "11"
    assert all(e["number"] == mine["number"] for e in events)
