"""HTTP API in-process (an app per test, real SQLite file): shapes, errors, auth, events."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.auth.accounts import add_device, add_user


@pytest.fixture
def api(api_factory):
    client = api_factory()
    add_user(client.store, "binh", "supervisor", "supervisor-pass")
    client.display = {"Authorization": f"Bearer {add_device(client.store, 'display-1', 'display')}"}
    return client


def issue(api, service="land", key=None, **body):
    headers = dict(api.kiosk)
    if key:
        headers["Idempotency-Key"] = key
    return api.post("/api/v1/tickets", json={"service": service, **body}, headers=headers)


def test_services_list_vietnamese_names_counts_and_procedures(api):
    issue(api, "land")
    issue(api, "land")
    services = {s["code"]: s for s in api.get("/api/v1/services").json()}
    assert services["land"]["estimated_wait_min"] is None       # nobody signed in: no honest estimate
    assert services["land"]["open_counters"] == 0
    api.post("/api/v1/counters/2/sign-in", headers=api.officer)
    services = {s["code"]: s for s in api.get("/api/v1/services").json()}
    assert len(services) >= 8
    assert services["land"]["name"] == "Đất đai" and services["land"]["letter"] == "A"
    assert services["land"]["waiting"] == 2 and services["land"]["issued_today"] == 2
    assert services["land"]["estimated_wait_min"] > 0 and services["land"]["accepting"] is True
    assert services["civil"]["waiting"] == 0 and services["civil"]["estimated_wait_min"] is None
    assert services["land"]["open_counters"] == 1
    procs = api.get("/api/v1/services/land/procedures").json()
    assert procs and procs[0]["documents"] and "ngày" in procs[0]["time_limit"]
    assert api.get("/api/v1/services/nowhere/procedures").status_code == 404


def test_site_info_lists_priority_groups_with_icons(api):
    site = api.get("/api/v1/site").json()
    assert site["agency_id"] == "000.00.00.H56" and site["timezone"] == "Asia/Ho_Chi_Minh"
    groups = {g["code"]: g for g in site["priority_groups"]}
    assert groups["elderly"]["head_start_min"] > 0 and groups["elderly"]["icon"]
    assert site["open_now"] is True and "ưu tiên" in site["calling_rule"]


def test_issue_status_call_and_finish_flow(api):
    api.post("/api/v1/counters/3/sign-in", headers=api.officer)
    first = issue(api).json()
    second = issue(api).json()
    assert (first["number"], second["number"]) == ("A001", "A002")
    status = api.get(f"/api/v1/tickets/{second['id']}", headers=api.kiosk).json()
    assert status["state"] == "waiting" and status["people_ahead"] == 1 and status["estimated_wait_min"] >= 1
    called = api.post("/api/v1/counters/2/call-next", headers=api.officer)
    assert called.status_code == 200 and called.json()["number"] == "A001" and called.json()["counter"] == "2"
    assert api.get(f"/api/v1/tickets/{second['id']}", headers=api.kiosk).json()["people_ahead"] == 0
    tid = called.json()["id"]
    assert api.post(f"/api/v1/tickets/{tid}/start", headers=api.officer).json()["state"] == "serving"
    assert api.post(f"/api/v1/tickets/{tid}/finish", headers=api.officer).json()["state"] == "done"
    again = api.post(f"/api/v1/tickets/{tid}/start", headers=api.officer)
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"
    assert "A001" in again.json()["error"]["message"]


def test_call_next_with_nobody_waiting_is_204(api):
    r = api.post("/api/v1/counters/5/call-next", headers=api.officer)
    assert r.status_code == 204 and r.content == b""


def test_idempotency_key_gives_the_same_ticket(api):
    a = issue(api, key="kiosk-1-0001")
    b = issue(api, key="kiosk-1-0001")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] == b.json()["id"] and b.headers["Idempotent-Replayed"] == "true"
    other = issue(api, "civil", key="kiosk-1-0001")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_mismatch"
    assert api.get("/api/v1/services/land").json()["issued_today"] == 1


def test_invalid_body_is_422_with_readable_message(api):
    r = api.post("/api/v1/tickets", json={"service": "land", "channel": "fax"}, headers=api.kiosk)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error" and "channel" in err["message"] and "không hợp lệ" in err["message"]
    r = api.post("/api/v1/tickets", content=b"{not json", headers={**api.kiosk, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"


def test_errors_have_code_and_bilingual_message(api):
    r = api.get("/api/v1/tickets/999", headers=api.kiosk)
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found",
                                  "message": "Không tìm thấy số thứ tự 999 / Ticket 999 not found"}}
    r = issue(api, "land", priority="vip")
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_priority_group"
    r = api.post("/api/v1/counters/99/call-next", headers=api.officer)
    assert r.status_code == 404 and "99" in r.json()["error"]["message"]


def test_roles_and_device_keys(api):
    assert api.post("/api/v1/tickets", json={"service": "land"}).status_code == 401
    assert api.post("/api/v1/tickets", json={"service": "land"}, headers=api.display).status_code == 403
    forbidden = api.post("/api/v1/counters/2/call-next", headers=api.kiosk)
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    bad = api.get("/api/v1/tickets", headers={"Authorization": "Bearer st_forged"})
    assert bad.status_code == 401
    assert api.get("/api/v1/tickets?state=waiting", headers=api.display).status_code == 200
    assert api.get("/api/v1/auth/me", headers=api.kiosk).json() == {"kind": "device", "name": "kiosk-1", "role": "kiosk"}
    wrong = api.post("/api/v1/auth/login", json={"username": "an", "password": "nope-nope"})
    assert wrong.status_code == 401 and "mật khẩu" in wrong.json()["error"]["message"]
    api.post("/api/v1/auth/logout", headers=api.officer)
    assert api.post("/api/v1/counters/2/call-next", headers=api.officer).status_code == 401


def test_only_hashes_of_secrets_are_stored(app_factory):
    app, store = app_factory()
    key = add_device(store, "k", "kiosk")
    add_user(store, "u", "admin", "a-long-password")
    dump = "\n".join(store.db.conn.iterdump())
    assert key not in dump and "a-long-password" not in dump and "scrypt$" in dump


def test_outside_issuing_hours_kiosk_is_refused(api):
    api.clock.set("2026-11-22T10:00:00+07:00")  # Sunday
    r = issue(api)
    assert r.status_code == 409 and r.json()["error"]["code"] == "outside_hours"
    assert api.get("/api/v1/services").json()[0]["accepting"] is False


def test_transfer_recall_cancel_pause_over_http(api):
    t = issue(api, "land").json()
    api.post("/api/v1/counters/2/call-next", headers=api.officer)
    new = api.post(f"/api/v1/tickets/{t['id']}/transfer", json={"service": "civil"}, headers=api.officer).json()
    assert new["number"] == t["number"] and new["arrived_at"] == t["arrived_at"] and new["transferred_from"] == t["id"]
    assert new["service"] == "civil"
    assert api.get(f"/api/v1/tickets/{t['id']}", headers=api.kiosk).json()["state"] == "transferred"
    called = api.post("/api/v1/counters/5/call-next", headers=api.officer).json()
    assert called["id"] == new["id"]
    assert api.post(f"/api/v1/tickets/{new['id']}/recall", headers=api.officer).json()["recalls"] == 1
    assert api.post(f"/api/v1/tickets/{new['id']}/cancel", json={"reason": "đi nhầm"},
                    headers=api.officer).json()["state"] == "cancelled"
    assert api.post("/api/v1/counters/3/pause", headers=api.officer).json()["state"] == "paused"
    paused = api.post("/api/v1/counters/3/call-next", headers=api.officer)
    assert paused.status_code == 409 and paused.json()["error"]["code"] == "counter_paused"
    assert api.post("/api/v1/counters/3/resume", headers=api.officer).json()["state"] == "open"


def test_websocket_gets_calls_and_queue_changes(api):
    api.post("/api/v1/counters/4/sign-in", headers=api.officer)
    with api.websocket_connect("/api/v1/events") as ws:
        assert ws.receive_json()["type"] == "hello"
        issue(api, "land")
        issued = ws.receive_json()
        assert issued["type"] == "ticket.issued" and issued["ticket"]["number"] == "A001"
        changed = ws.receive_json()
        assert changed == {**changed, "type": "queue.changed", "service": "land", "waiting": 1}
        api.post("/api/v1/counters/4/call-next", headers=api.officer)
        called = ws.receive_json()
        assert called["type"] == "ticket.called" and called["counter"] == "4"
        assert called["seq"] > issued["seq"] and called["at"].endswith("+07:00")


def test_openapi_and_docs(api):
    paths = api.get("/openapi.json").json()["paths"]
    for p in ("/api/v1/services", "/api/v1/tickets", "/api/v1/counters/{counter}/call-next",
              "/api/v1/tickets/{ticket_id}/transfer", "/api/v1/auth/login"):
        assert p in paths
    assert api.get("/docs").status_code == 200


def test_citizens_endpoints_are_rate_limited_per_client(app_factory):
    app, _ = app_factory(public_rate_per_minute=6)
    with TestClient(app) as client:
        codes = [client.get("/api/v1/services").status_code for _ in range(5)]
    assert codes[0] == 200 and codes[-1] == 429
    with TestClient(app) as client:
        r = client.get("/api/v1/site")
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert "thử lại" in r.json()["error"]["message"] and r.headers["Retry-After"]


def test_demo_accounts_can_log_in(app_factory):
    from queue_server.auth.accounts import ensure_demo_accounts
    app, store = app_factory()
    demo = ensure_demo_accounts(store)
    with TestClient(app) as client:
        for staff in demo["staff"]:
            r = client.post("/api/v1/auth/login", json={"username": staff["username"], "password": staff["password"]})
            assert r.status_code == 200 and r.json()["role"] == staff["role"]
        kiosk = next(d["key"] for d in demo["devices"] if d["role"] == "kiosk")
        r = client.post("/api/v1/tickets", json={"service": "tax"}, headers={"Authorization": f"Bearer {kiosk}"})
        assert r.status_code == 201 and r.json()["number"] == "H001"


def test_websocket_type_filter_and_bad_token(api):
    from starlette.websockets import WebSocketDisconnect
    with pytest.raises(WebSocketDisconnect) as info:
        with api.websocket_connect("/api/v1/events?token=dk_forged") as ws:
            ws.receive_json()
    assert info.value.code == 4401
    key = api.display["Authorization"].split()[1]
    with api.websocket_connect(f"/api/v1/events?types=ticket.called&token={key}") as ws:
        assert ws.receive_json() == {"type": "hello", "seq": ws_seq(api), "as": "display"}
        issue(api, "labour")
        api.post("/api/v1/counters/10/call-next", headers=api.officer)
        msg = ws.receive_json()  # issued and queue.changed were filtered out
        assert msg["type"] == "ticket.called" and msg["ticket"]["number"] == "E001"


def ws_seq(api) -> int:
    return api.app.state.bus.seq


def test_dossier_lookup_refuses_what_is_not_a_code_with_the_one_format(tmp_path):
    """The dossier code format lives on the server: a kiosk sends what it scanned and shows the answer."""
    from fastapi.testclient import TestClient

    from queue_server.app import create_app
    from queue_server.settings import Settings
    with TestClient(create_app(Settings(db_path=tmp_path / "m.sqlite"))) as client:
        for wrong in ("12-34", "000.00.21.H29-230101-000001", "000.00.21.H29-231301-0001"):
            r = client.get(f"/api/v1/dossiers/{wrong}")
            assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_code", wrong
            assert "000.00.21.H29-230101-0001" in r.json()["error"]["message"]
        r = client.get("/api/v1/dossiers/000.00.21.h29-230101-0001")   # well formed, lower case: not found
        assert r.status_code == 404
