"""Ratings (one per ticket, per officer/counter/service) and the supervisor's figures."""
from __future__ import annotations

import uuid


def issue(client, h, service, priority=None):
    body = {"service": service, **({"priority": priority} if priority else {})}
    r = client.post("/api/v1/tickets", json=body, headers={**h["kiosk"], "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201, r.text
    return r.json()


def serve(client, h, counter, finish=True):
    tk = client.post(f"/api/v1/counters/{counter}/call-next", json={}, headers=h["officer"]).json()
    if finish:
        assert client.post(f"/api/v1/tickets/{tk['id']}/finish", headers=h["officer"]).status_code == 200
    return tk


def test_rating_is_stored_per_officer_counter_service_and_only_once(web_app):
    client, h = web_app
    issue(client, h, "civil")
    assert client.get("/api/v1/ratings/pending?counter=5", headers=h["rating"]).status_code == 204
    tk = serve(client, h, "5")
    target = client.get("/api/v1/ratings/pending?counter=5", headers=h["rating"]).json()
    assert target["ticket"]["number"] == tk["number"] and target["officer"] == "officer1"
    assert target["ticket"]["service_name"] == "Hộ tịch – Tư pháp" and target["counter"] == "5"

    no_reason = client.post("/api/v1/ratings", json={"ticket_id": tk["id"], "level": "dissatisfied"},
                            headers=h["rating"])
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "reason_required"
    assert "lý do" in no_reason.json()["error"]["message"]
    blank = client.post("/api/v1/ratings", json={"ticket_id": tk["id"], "level": "dissatisfied", "reason": "  "},
                        headers=h["rating"])
    assert blank.status_code == 422

    ok = client.post("/api/v1/ratings", json={"ticket_id": tk["id"], "level": "dissatisfied",
                                              "reason": "Chờ quá lâu"}, headers=h["rating"])
    assert ok.status_code == 201, ok.text
    again = client.post("/api/v1/ratings", json={"ticket_id": tk["id"], "level": "very_satisfied"},
                        headers=h["rating"])
    assert again.status_code == 409
    err = again.json()["error"]
    assert err["code"] == "already_rated" and "đã được đánh giá" in err["message"] and "already" in err["message"]
    # nothing left to rate at that counter now
    assert client.get("/api/v1/ratings/pending?counter=5", headers=h["rating"]).status_code == 204

    listing = client.get("/api/v1/ratings", headers=h["supervisor"]).json()
    [row] = listing["ratings"]
    assert (row["officer"], row["counter"], row["service"], row["ticket"]) == ("officer1", "5", "civil", tk["number"])
    assert row["reason"] == "Chờ quá lâu" and row["level_name"] == "Không hài lòng"
    assert listing["summary"]["levels"]["dissatisfied"] == 1
    assert listing["summary"]["per_officer"]["officer1"]["dissatisfied"] == 1


def test_only_finished_tickets_and_rating_devices_may_rate(web_app):
    client, h = web_app
    issue(client, h, "civil")
    tk = serve(client, h, "5", finish=False)
    body = {"ticket_id": tk["id"], "level": "satisfied"}
    r = client.post("/api/v1/ratings", json=body, headers=h["rating"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"
    assert client.post("/api/v1/ratings", json={"ticket_id": 9999, "level": "satisfied"},
                       headers=h["rating"]).status_code == 404
    assert client.post("/api/v1/ratings", json=body).status_code == 401
    assert client.post("/api/v1/ratings", json=body, headers=h["officer"]).status_code == 403
    assert client.post("/api/v1/ratings", json={**body, "level": "great"}, headers=h["rating"]).status_code == 422
    assert client.get("/api/v1/ratings", headers=h["officer"]).status_code == 403


def test_dashboard_counters_queues_devices_and_alerts(web_app):
    client, h = web_app
    clock = client.app_clock
    issue(client, h, "land")
    issue(client, h, "land", priority="elderly")
    issue(client, h, "civil")
    serve(client, h, "5")                                   # civil served at Quầy 5
    called = serve(client, h, "2", finish=False)            # Quầy 2 now serving a land ticket
    assert client.post("/api/v1/counters/7/pause", headers=h["officer"]).status_code == 200
    r = client.post("/api/v1/devices/health", headers=h["kiosk"],
                    json={"components": {"printer": {"status": "warning", "detail": "sắp hết giấy"},
                                         "scanner": {"status": "ok"}}})
    assert r.status_code == 200 and r.json()["status"] == "warning"
    assert client.post("/api/v1/devices/health", headers=h["locker"],
                       json={"components": {"board": {"status": "ok"}}}).status_code == 200
    assert client.post("/api/v1/devices/health", headers=h["officer"],
                       json={"components": {}}).status_code == 403
    clock.advance(minutes=80)                               # the land queue gets old, the locker goes quiet
    client.post("/api/v1/devices/health", headers=h["kiosk"],
                json={"components": {"printer": {"status": "error", "detail": "hết giấy"}}})

    d = client.get("/api/v1/dashboard", headers=h["supervisor"]).json()
    counters = {c["code"]: c for c in d["counters"]}
    assert counters["2"]["activity"] == "serving" and counters["2"]["current"]["number"] == called["number"]
    assert counters["7"]["activity"] == "paused" and counters["7"]["paused_minutes"] >= 80
    # the one officer moved on from Quầy 5 (to 2, then 7): nobody is signed in there, it is closed
    assert counters["5"]["activity"] == "closed" and counters["5"]["state"] == "closed"
    assert counters["5"]["idle_minutes"] >= 80
    assert counters["5"]["served_today"] == 1
    services = {s["code"]: s for s in d["services"]}
    assert services["land"]["waiting"] == 1 and services["land"]["longest_wait_min"] >= 80
    assert services["civil"]["waiting"] == 0
    devices = {x["device"]: x for x in d["devices"]}
    assert devices["test-kiosk"]["status"] == "error" and not devices["test-kiosk"]["stale"]
    assert devices["test-locker"]["stale"]
    codes = [a["code"] for a in d["alerts"]]
    assert {"long_wait", "long_pause", "device_silent", "device_fault"} <= set(codes)
    assert any("hết giấy" in a["message"] for a in d["alerts"])
    assert d["alerts"][0]["level"] == "error"
    assert client.get("/api/v1/dashboard", headers=h["officer"]).status_code == 403
    assert client.get("/api/v1/dashboard").status_code == 401


def test_board_calls_latest_first_and_counter_tally(web_app):
    client, h = web_app
    clock = client.app_clock
    for service in ("civil", "civil", "business", "civil"):
        issue(client, h, service)
    first = serve(client, h, "5")                      # B001 done
    clock.advance(minutes=4)
    second = serve(client, h, "7", finish=False)       # C001 called
    clock.advance(minutes=1)
    third = serve(client, h, "5", finish=False)        # B002 called
    client.post(f"/api/v1/tickets/{third['id']}/no-show", headers=h["officer"])
    clock.advance(minutes=1)
    fourth = serve(client, h, "5", finish=False)
    clock.advance(minutes=6)
    client.post(f"/api/v1/tickets/{fourth['id']}/finish", headers=h["officer"])

    board = client.get("/api/v1/board/calls?limit=3", headers=h["display"]).json()
    assert [c["number"] for c in board["calls"]] == [fourth["number"], third["number"], second["number"]]
    assert board["calls"][0]["counter"] == "5" and board["day"] == "2026-11-23"
    assert client.get("/api/v1/board/calls", headers=h["kiosk"]).status_code == 403

    tally = client.get("/api/v1/console/5/tally", headers=h["officer"]).json()
    assert (tally["done"], tally["no_show"], tally["transferred"]) == (2, 1, 0)
    assert tally["avg_service_min"] == 3.0             # (0 + 6 min) / 2
    assert client.get("/api/v1/console/99/tally", headers=h["officer"]).status_code == 404
    assert first["number"] == "B001"
