"""No one can block a pickup (issue 11, item 2): tries are counted per dossier and per source,
wrong codes slow down instead of locking, the citizen recovers without staff, and dossier codes
are not published to anonymous listeners."""
from __future__ import annotations

from queue_server.auth.accounts import add_device

KIOSK = "result-1"


def _ready(desk, **kw) -> tuple[dict, str]:
    d = desk.dossier(**kw)
    desk.deposit(d["code"])
    desk.deliver()
    (otp,) = desk.codes(d["code"])
    return d, otp


def test_guessing_from_one_source_does_not_block_another(make_desk):
    desk = make_desk({'kiosk = "result-1"\n': 'kiosk = "result-1"\ndevices = ["result-1", "result-1-tablet"]\n'})
    d, otp = _ready(desk)
    guesser = {"Authorization": "Bearer " + add_device(desk.store, "result-1-tablet", "kiosk")}
    statuses = [desk.client.post(f"/api/v1/lockers/{KIOSK}/pickup/verify", headers=guesser,
                                 json={"dossier": f"000.00.00.H56-261123-{n:04d}", "code": "123456"}).status_code
                for n in range(100, 114)]
    assert statuses[0] == 404 and statuses[-1] == 429           # the guessing source is braked …
    assert desk.verify(d["code"], otp).status_code == 200       # … the citizen at the kiosk is not


def test_a_stranger_with_the_dossier_code_only_slows_it_down(desk):
    d, otp = _ready(desk)
    for _ in range(5):
        assert desk.verify(d["code"], "999999" if otp != "999999" else "888888").status_code == 403
    for _ in range(20):                                          # hammering during the wait costs nothing …
        r = desk.verify(d["code"], "000001")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) <= 60
    assert "điện thoại" in r.json()["error"]["message"]          # … and the screen says how to recover
    assert desk.client.post(f"/api/v1/lockers/{KIOSK}/pickup/lookup", json={"dossier": d["code"]},
                            headers=desk.kiosk).json()["state"] == "ready"    # never "locked"
    desk.clock.advance(seconds=60)
    assert desk.verify(d["code"], otp).status_code == 200       # no staff needed


def test_the_citizen_gets_a_new_code_on_the_phone_on_file_after_a_cool_down(desk):
    d, old = _ready(desk)
    ask = lambda: desk.client.post(f"/api/v1/lockers/{KIOSK}/pickup/new-code", json={"dossier": d["code"]},  # noqa: E731
                                   headers=desk.kiosk)
    early = ask()
    assert early.status_code == 429 and 800 < int(early.headers["Retry-After"]) <= 900
    desk.clock.advance(minutes=15)
    r = ask()
    assert r.status_code == 200 and r.json()["sent_to"] == ["*******678"]
    assert "0912345678" not in r.text and set(r.json()) == {"dossier", "sent_to"}   # the code is not shown
    assert ask().status_code == 429                              # not again right away
    desk.deliver()
    codes = desk.codes(d["code"])
    assert len(codes) == 2 and codes[0] == old
    assert desk.verify(d["code"], old).status_code == 403 or old == codes[1]
    assert desk.verify(d["code"], codes[1]).status_code == 200
    actions = [a["action"] for a in desk.client.get("/api/v1/lockers/audit", headers=desk.sup).json()]
    assert "new_code_requested" in actions


def test_no_contact_on_file_sends_the_citizen_to_the_counter(desk):
    d = desk.dossier(phone=None)
    desk.deposit(d["code"])
    desk.clock.advance(minutes=16)
    r = desk.client.post(f"/api/v1/lockers/{KIOSK}/pickup/new-code", json={"dossier": d["code"]}, headers=desk.kiosk)
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_contact"


def test_dossier_codes_are_not_published_to_anonymous_listeners(desk):
    with desk.client, desk.client.websocket_connect("/api/v1/events") as anon, \
            desk.client.websocket_connect(f"/api/v1/events?token={desk.staff['Authorization'][7:]}") as staff:
        assert anon.receive_json()["type"] == "hello" and staff.receive_json()["type"] == "hello"
        d, otp = _ready(desk)
        desk.client.post("/api/v1/tickets", json={"service": "land"},
                         headers={"Authorization": "Bearer " + add_device(desk.store, "kiosk-1", "kiosk")})
        heard = []
        while not heard or heard[-1]["type"] != "ticket.issued":
            heard.append(anon.receive_json())
        assert d["code"] not in repr(heard) and {m["type"] for m in heard} == {"ticket.issued"}
        seen = []
        while not seen or seen[-1]["type"] != "ticket.issued":
            seen.append(staff.receive_json())
        assert any(m["type"] == "locker.parcel" and m["dossier"] == d["code"] for m in seen)   # staff still see it
    public = desk.client.get(f"/api/v1/dossiers/{d['code']}").json()
    assert set(public) == {"code", "status", "status_name", "status_name_en", "due_at",
                           "next_step", "next_step_en", "overdue"}
