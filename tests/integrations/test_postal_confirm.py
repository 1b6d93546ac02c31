"""Postal return asked by a citizen (result kiosk, phone page): only the applicant, who receives a
code on the contact already on file, can send a result to an address. Anyone else who knows a
dossier code gets nowhere: wrong codes are slowed, codes expire, a code opens only its own request."""
from __future__ import annotations

import json

from hypothesis import given, strategies as st

from queue_server.auth.accounts import add_device
from queue_server.hall.tickets.links import status_url, link_key
from tests.integrations.conftest import CODE, item

ADDRESS = "12 Hoàng Văn Thụ, Phường 4, Đà Lạt, Lâm Đồng"
POSTAL = {"recipient": "Nguyễn Văn An", "address": ADDRESS, "phone": "0987654321"}


def ask(hub, n: int, headers=None, **body):
    return hub.client.post(f"/api/v1/dossiers/{CODE.format(n)}/postal", json={**POSTAL, **body},
                           headers=hub.kiosk if headers is None else headers)


def confirm(hub, n: int, handle: str, code: str, headers=None):
    return hub.client.post(f"/api/v1/dossiers/{CODE.format(n)}/postal/confirm", json={"confirm": handle, "code": code},
                           headers=hub.kiosk if headers is None else headers)


def requests(hub) -> list[dict]:
    return hub.store.query("SELECT * FROM postal_requests")


def test_the_right_code_records_the_request_and_the_applicant_is_told(hub):
    hub.push(item(1, status=4))
    r = ask(hub, 1)
    assert r.status_code == 202, r.text
    out = r.json()
    assert out["sent_to"] and all("***" in c for c in out["sent_to"])          # masked contacts only
    assert out["address"] == "…, Đà Lạt, Lâm Đồng" and out["recipient"] == "N*** V*** A***"
    assert "Hoàng Văn Thụ" not in r.text and "0987654321" not in r.text
    assert requests(hub) == []                                                    # nothing recorded yet
    sms = hub.messages(CODE.format(1))
    assert sms and "Đà Lạt" in sms[0]["text"] and "Hoàng Văn Thụ" not in sms[0]["text"]
    assert sms[0]["to"] in ("0912345678", "an.nguyen@example.vn")                 # the contact ON FILE, not the asker
    done = confirm(hub, 1, out["confirm"], hub.postal_code(CODE.format(1)))
    assert done.status_code == 201, done.text
    assert done.json() == {"code": CODE.format(1), "state": "requested", "recipient": "N*** V*** A***",
                           "address": "…, Đà Lạt, Lâm Đồng", "phone": "*******321"}
    assert [r["address"] for r in requests(hub)] == [ADDRESS]
    told = [m["text"] for m in hub.messages(CODE.format(1)) if "sẽ được gửi qua bưu điện" in m["text"]]
    assert told and "Đà Lạt" in told[0] and "Hoàng Văn Thụ" not in told[0]
    kept = hub.store.query("SELECT * FROM postal_confirmations")
    assert [(k["state"], k["address"], k["recipient"], k["phone"]) for k in kept] == [("confirmed", None, None, None)]
    outbox = hub.store.query("SELECT body_redacted, body FROM notices_outbox WHERE kind = 'postal_code'")
    assert outbox and all("******" in o["body_redacted"] and o["body"] is None for o in outbox)
    assert "bưu điện" in hub.dossier(1, anonymous=True)["next_step"]
    again = confirm(hub, 1, out["confirm"], hub.postal_code(CODE.format(1)))
    assert again.status_code == 409                                               # a code works once


def test_wrong_codes_are_slowed_not_locked(hub):
    hub.push(item(1, status=4))
    handle = ask(hub, 1).json()["confirm"]
    right = hub.postal_code(CODE.format(1))
    wrong = "000000" if right != "000000" else "111111"
    lefts = []
    for _ in range(5):
        r = confirm(hub, 1, handle, wrong)
        assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_code"
        lefts.append(r.json()["error"]["tries_left"])
    assert lefts == [4, 3, 2, 1, 0] and r.json()["error"]["retry_after_s"] == 60
    slowed = confirm(hub, 1, handle, right)                                       # even the right code waits
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) <= 60
    assert requests(hub) == []
    hub.clock.advance(seconds=61)
    assert confirm(hub, 1, handle, wrong).status_code == 403
    assert confirm(hub, 1, handle, right).status_code == 429                     # now 2 minutes
    # a new request does not reset the brakes: the tries count per dossier
    hub.clock.advance(seconds=121)
    handle2 = ask(hub, 1).json()["confirm"]
    assert confirm(hub, 1, handle2, wrong).status_code == 403
    assert confirm(hub, 1, handle2, hub.postal_code(CODE.format(1))).status_code == 429
    hub.clock.advance(minutes=5)
    assert confirm(hub, 1, handle2, hub.postal_code(CODE.format(1))).status_code == 201


def test_a_code_expires_and_a_new_request_replaces_the_old(hub):
    hub.push(item(1, status=4))
    handle = ask(hub, 1).json()["confirm"]
    code = hub.postal_code(CODE.format(1))
    again = ask(hub, 1)                                                           # a second SMS at once: refused
    assert again.status_code == 429 and "Retry-After" in again.headers
    hub.clock.advance(minutes=11)
    late = confirm(hub, 1, handle, code)
    assert late.status_code == 410 and late.json()["error"]["code"] == "code_expired"
    assert hub.store.one("SELECT address FROM postal_confirmations")["address"] is None   # erased
    first = ask(hub, 1).json()["confirm"]
    code1 = hub.postal_code(CODE.format(1))
    hub.clock.advance(minutes=3)
    second = ask(hub, 1, address="5 Trần Phú, Phường 3, Bảo Lộc, Lâm Đồng").json()["confirm"]
    assert confirm(hub, 1, first, code1).status_code == 409                       # replaced
    assert confirm(hub, 1, second, hub.postal_code(CODE.format(1))).status_code == 201
    assert requests(hub)[0]["address_masked"] == "…, Bảo Lộc, Lâm Đồng"


def test_an_unconfirmed_request_leaves_no_address_behind(hub):
    from queue_server.results.postal.confirm import sweep
    hub.push(item(1, status=4))
    ask(hub, 1)
    assert sweep(hub.store, hub.clock()) == 0
    assert hub.store.one("SELECT address FROM postal_confirmations")["address"] == ADDRESS   # while it may come
    hub.clock.advance(minutes=11)
    assert sweep(hub.store, hub.clock()) == 1
    kept = hub.store.one("SELECT * FROM postal_confirmations")
    assert (kept["state"], kept["recipient"], kept["address"], kept["phone"]) == ("expired", None, None, None)
    assert kept["address_masked"] == "…, Đà Lạt, Lâm Đồng"


def test_codes_per_day_are_capped(hub):
    hub.push(item(1, status=4))
    for _ in range(5):
        assert ask(hub, 1).status_code == 202
        hub.clock.advance(minutes=3)
    capped = ask(hub, 1)
    assert capped.status_code == 429 and "quầy" in capped.json()["error"]["message"]


def test_another_dossiers_code_or_request_is_refused(hub):
    hub.push(item(1, status=4), item(2, status=4, phone="0977777777"))
    h1 = ask(hub, 1).json()["confirm"]
    c1 = hub.postal_code(CODE.format(1))
    h2 = ask(hub, 2).json()["confirm"]
    c2 = hub.postal_code(CODE.format(2))
    assert c1 != c2 or h1 != h2
    assert confirm(hub, 2, h1, c1).status_code == 404                             # dossier 1's request, named as 2
    if c1 != c2:
        assert confirm(hub, 2, h2, c1).status_code == 403                         # dossier 1's code on dossier 2
    other_kiosk = {"Authorization": "Bearer " + add_device(hub.store, "kiosk-2", "kiosk")}
    assert confirm(hub, 1, h1, c1, headers=other_kiosk).status_code == 404        # confirmed where it was asked
    assert confirm(hub, 1, h1, c1).status_code == 201
    assert [r["code"] for r in requests(hub)] == [CODE.format(1)]


def test_a_dossier_without_a_contact_is_sent_to_the_counter(hub):
    hub.push(item(1, status=4, phone=None, email=None, zalo_id=None))
    r = ask(hub, 1)
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_contact"
    assert "quầy" in r.json()["error"]["message"] and "counter" in r.json()["error"]["message"]
    assert hub.store.query("SELECT * FROM postal_confirmations") == []
    # the officer at the counter (who checks the ID) records it at once, and the applicant is told if reachable
    r = ask(hub, 1, headers=hub.staff)
    assert r.status_code == 201 and r.json()["state"] == "requested"


def test_the_phone_pages_ask_through_their_link(hub):
    hub.push(item(1, status=4))
    kiosk = hub.client.post("/api/v1/tickets", json={"service": "land"}, headers=hub.kiosk)
    assert kiosk.status_code == 201, kiosk.text
    token = status_url("", link_key(hub.store), kiosk.json()["id"]).rsplit("/", 1)[1]
    body = {**POSTAL, "dossier": CODE.format(1)}
    assert hub.client.post("/api/v1/t/not-a-token/postal", json=body).status_code == 404
    r = hub.client.post(f"/api/v1/t/{token}/postal", json=body)
    assert r.status_code == 202, r.text
    assert "Hoàng" not in r.text and "0987654321" not in r.text
    code = hub.postal_code(CODE.format(1))
    wrong = {"dossier": CODE.format(1), "confirm": r.json()["confirm"], "code": code}
    assert hub.client.post(f"/api/v1/dossiers/{CODE.format(1)}/postal/confirm", headers=hub.kiosk,
                           json={"confirm": wrong["confirm"], "code": code}).status_code == 404  # not the kiosk's
    assert hub.client.post(f"/api/v1/dossiers/{CODE.format(1)}/postal/confirm", json=wrong).status_code == 401
    done = hub.client.post(f"/api/v1/t/{token}/postal/confirm", json=wrong)
    assert done.status_code == 201, done.text
    logged = json.dumps(hub.store.query("SELECT * FROM dossier_events"), ensure_ascii=False)
    assert "Hoàng" not in logged and "0987654321" not in logged


def test_the_booking_page_asks_through_its_code(hub):
    hub.push(item(1, status=4))
    slots = hub.client.get("/api/v1/appointments/slots", params={"service": "land", "day": "2026-11-24"}).json()
    free = next(s for s in slots if s["available"] > 0)
    booked = hub.client.post("/api/v1/appointments", json={"service": "land", "start": free["start"]})
    assert booked.status_code == 201, booked.text
    code = booked.json()["code"]
    body = {**POSTAL, "dossier": CODE.format(1)}
    assert hub.client.post("/api/v1/appointments/99999999/postal", json=body).status_code == 404
    r = hub.client.post(f"/api/v1/appointments/{code}/postal", json=body)
    assert r.status_code == 202, r.text
    done = hub.client.post(f"/api/v1/appointments/{code}/postal/confirm",
                           json={"dossier": CODE.format(1), "confirm": r.json()["confirm"],
                                 "code": hub.postal_code(CODE.format(1))})
    assert done.status_code == 201, done.text
    assert requests(hub)[0]["requested_by"].startswith("booking:") and code not in requests(hub)[0]["requested_by"]


def test_a_code_lost_in_a_restart_is_never_sent(hub):
    """Only the hash is on disk: a code drawn before a restart cannot be sent after it."""
    from queue_server.results.postal.codes import ConfirmCodes
    hub.push(item(1, status=4))
    ask(hub, 1)
    ConfirmCodes.of(hub.store)._codes.clear()     # what a restart does to the process memory
    assert hub.messages(CODE.format(1)) == []
    failed = hub.store.query("SELECT state, last_error FROM notices_outbox WHERE kind = 'postal_code'")
    assert failed and all(f["state"] == "failed" and "obsolete" in f["last_error"] for f in failed)


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_the_wait_after_wrong_codes_only_grows_and_stays_bounded(a, b):
    from queue_server.results.postal.confirm import BACKOFF_MAX_S, FREE_TRIES, try_wait_s
    lo, hi = sorted((a, b))
    assert try_wait_s(lo) <= try_wait_s(hi) <= BACKOFF_MAX_S
    assert (try_wait_s(lo) == 0) == (lo < FREE_TRIES)      # slowed, never locked: always a finite wait


@given(st.lists(st.text(alphabet="abcđêơ 0123456789/", min_size=1, max_size=12), min_size=1, max_size=6))
def test_a_masked_address_keeps_only_the_last_two_parts(parts):
    from queue_server.results.postal.rules import mask_address
    address = ", ".join(parts)
    masked = mask_address(address)
    kept = [p.strip() for p in parts if p.strip()]
    assert masked.startswith("…")
    assert masked == ("…, " + ", ".join(kept[-2:]) if len(kept) > 2 else "…")
