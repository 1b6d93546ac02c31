"""Issue 11 items 3 and 4: rate limits nobody skips, logins that cannot be guessed, credentials
that really end, and public surfaces that show only what a hall display shows."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from queue_server.auth.accounts import add_device, add_user, disable_user, revoke_device


@pytest.fixture
def api(api_factory):
    client = api_factory()
    client.display_key = add_device(client.store, "display-1", "display")
    return client


def login(client, username: str, password: str):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


# -- item 3: rate limits -------------------------------------------------------------------
def test_a_made_up_bearer_header_does_not_skip_the_public_limit(app_factory):
    app, store = app_factory(public_rate_per_minute=6)   # a burst of 1 request per client
    with TestClient(app) as client:
        forged = [client.get("/api/v1/services", headers={"Authorization": f"Bearer dk_made-up-{n}"}).status_code
                  for n in range(4)]
        assert forged[-1] == 429                          # the forged keys shared one anonymous bucket
        assert client.get("/api/v1/services").status_code == 429   # … with the anonymous caller
        kiosk = {"Authorization": "Bearer " + add_device(store, "kiosk-1", "kiosk")}
        own = [client.get("/api/v1/services", headers=kiosk).status_code for _ in range(20)]
        assert own[0] == 200 and own[-1] == 429           # a real key: a bigger budget of its own, still finite


def test_thirty_wrong_passwords_then_the_right_one_is_refused(api):
    statuses = [login(api, "an", f"wrong-{n}").status_code for n in range(30)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) <= {429, 423}
    right = login(api, "an", "officer-pass")
    assert right.status_code in (429, 423) and "token" not in right.text and right.headers["Retry-After"]
    api.clock.advance(seconds=2)                           # the owner waits out the slow-down
    assert login(api, "an", "officer-pass").status_code == 200


def test_repeated_failures_lock_the_account_until_reset(api):
    for _ in range(10):
        api.clock.advance(seconds=61)                      # a patient guesser, waiting out every slow-down
        assert login(api, "an", "still-wrong").status_code == 401
    locked = login(api, "an", "officer-pass")
    assert locked.status_code == 423 and locked.json()["error"]["code"] == "account_locked"
    api.clock.advance(seconds=61)
    assert login(api, "an", "officer-pass").status_code == 423   # still locked a minute later
    add_user(api.store, "an", "officer", "new-officer-pass")     # the admin re-sets the password
    assert login(api, "an", "new-officer-pass").status_code == 200


def test_unknown_names_are_throttled_like_real_ones(api):
    statuses = [login(api, "nobody", "x-password").status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429


def test_a_password_reset_ends_the_users_sessions(api):
    assert api.get("/api/v1/auth/me", headers=api.officer).status_code == 200
    add_user(api.store, "an", "officer", "a-brand-new-pass")   # `motcua user add an` again
    assert api.get("/api/v1/auth/me", headers=api.officer).status_code == 401
    assert login(api, "an", "officer-pass").status_code == 401


@pytest.mark.parametrize("end", ["revoke_device", "disable_user", "password_reset"])
def test_an_open_websocket_is_closed_when_its_credential_ends(api, end):
    token = api.display_key if end == "revoke_device" else api.officer["Authorization"][7:]
    with api.websocket_connect(f"/api/v1/events?token={token}") as ws:
        assert ws.receive_json()["type"] == "hello"
        {"revoke_device": lambda: revoke_device(api.store, "display-1"),
         "disable_user": lambda: disable_user(api.store, "an"),
         "password_reset": lambda: add_user(api.store, "an", "officer", "another-pass-1")}[end]()
        assert closed_within(ws, 10) == 4401


def closed_within(ws, seconds: float) -> int | None:
    """The close code the server sent within `seconds`, or None (reading in a thread: never hangs)."""
    import threading
    box: dict[str, int] = {}

    def read() -> None:
        try:
            while True:
                ws.receive_json()
        except WebSocketDisconnect as exc:
            box["code"] = exc.code
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(seconds)
    return box.get("code")


# -- item 4: public surfaces -----------------------------------------------------------------
def test_anonymous_listeners_hear_only_what_a_hall_display_shows(api):
    display = api.display_key
    with api.websocket_connect("/api/v1/events") as anon, \
            api.websocket_connect(f"/api/v1/events?token={display}") as board, \
            api.websocket_connect(f"/api/v1/events?token={api.officer['Authorization'][7:]}") as staff:
        for ws in (anon, board, staff):
            assert ws.receive_json()["type"] == "hello"
        d = api.post("/api/v1/dossiers", json={"applicant_name": "Nguyễn Văn An", "phone": "0912345678"},
                     headers=api.officer).json()
        assert api.post("/api/v1/devices/health", json={"components": {"printer": {"status": "error",
                        "detail": "paper_out"}}}, headers=api.kiosk).status_code == 200
        t = api.post("/api/v1/tickets", json={"service": "land", "priority": "pregnant"}, headers=api.kiosk).json()
        api.post("/api/v1/counters/4/call-next", headers=api.officer)

        def until_called(ws) -> list[dict]:
            got = []
            while not got or got[-1]["type"] != "ticket.called":
                got.append(ws.receive_json())
            return got
        heard = until_called(anon)
        text = repr(heard)
        # calling at counter 4 signs the officer in: the hall display shows which counters are open
        assert {m["type"] for m in heard} == {"ticket.issued", "queue.changed", "counter.signed_in", "ticket.called"}
        for secret in (d["code"], "pregnant", "priority", "device", "paper_out", "dossier", "'id'", "issued_at",
                       "off1", "officer"):
            assert secret not in text, secret
        called = heard[-1]
        assert called["ticket"]["number"] == t["number"] and called["counter"] == "4"
        on_board = until_called(board)
        assert on_board[-1]["ticket"]["priority"] == "pregnant"      # the hall TV (a key) shows priority
        assert not any(m["type"].startswith(("dossier.", "device.")) for m in on_board)
        for_staff = {m["type"] for m in until_called(staff)}
        assert {"dossier.created", "device.health", "ticket.called"} <= for_staff


def test_ticket_lookup_by_sequential_id_needs_a_role(api):
    t = api.post("/api/v1/tickets", json={"service": "land"}, headers=api.kiosk).json()
    assert api.get(f"/api/v1/tickets/{t['id']}").status_code == 401
    assert api.get(f"/api/v1/tickets/{t['id']}", headers={"Authorization": "Bearer dk_forged"}).status_code == 401
    mine = api.get(f"/api/v1/tickets/{t['id']}", headers=api.kiosk)   # the kiosk (kiosk_app/api.py) still can
    assert mine.status_code == 200 and mine.json()["people_ahead"] == 0
    assert api.get(f"/api/v1/tickets/{t['id']}", headers=api.officer).status_code == 200


def test_anonymous_counter_board_shows_numbers_not_priority_groups(api):
    t = api.post("/api/v1/tickets", json={"service": "land", "priority": "disabled"}, headers=api.kiosk).json()
    api.post("/api/v1/counters/4/call-next", headers=api.officer)
    board = {c["code"]: c for c in api.get("/api/v1/counters").json()}
    assert board["4"]["current"] == {"number": t["number"], "service": "land", "service_name": "Đất đai",
                                     "service_name_en": board["4"]["current"]["service_name_en"],
                                     "state": "called", "counter": "4"}
    display = {"Authorization": f"Bearer {api.display_key}"}
    keyed = {c["code"]: c for c in api.get("/api/v1/counters", headers=display).json()}
    assert keyed["4"]["current"]["priority"] == "disabled"


def form_login(api, username: str, password: str):
    """The console's sign-in form as a browser posts it (CSRF cookie and field from the form)."""
    form = api.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    return api.post("/login", data={"username": username, "password": password, "next": "/console", "csrf": csrf},
                    follow_redirects=False)


def test_one_address_guessing_many_names_on_the_sign_in_page_is_stopped(api):
    # one wrong password for each of 30 names: no name is throttled, the address is
    statuses = [form_login(api, f"guess{n}", "wrong-pass").status_code for n in range(30)]
    assert set(statuses) == {401}
    refused = form_login(api, "an", "officer-pass")
    assert refused.status_code == 429 and "motcua_token" not in refused.cookies
    assert "Quá nhiều lần đăng nhập sai" in refused.text          # the page says why, not "wrong password"
