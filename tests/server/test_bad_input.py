"""Every bad input gets a clear 4xx from the real server: no 500, never a traceback.

Huge integers and year-1 dates used to reach SQLite / datetime and answer 500;
a 10 MB JSON was parsed in full; a form post was read as JSON; names could hold
NUL or bidi overrides; look-alike user names could be created; one imported
dossier code could end the day's numbering.
"""
from __future__ import annotations

import unicodedata

import httpx
import pytest
from hypothesis import given, settings, strategies as st

from queue_server.auth.accounts import add_user, login, normalise_username
from queue_server.clock import FakeClock
from queue_server.cli.serve import open_store
from bench.live_server import MONDAY_MORNING

HUGE = 2**63  # one past SQLite's INTEGER
BIG_PATHS = [
    ("GET", f"/api/v1/tickets/{HUGE}", "officer"),
    *[("POST", f"/api/v1/tickets/{HUGE}/{a}", "officer") for a in ("recall", "start", "finish", "no-show", "cancel")],
    ("GET", f"/api/v1/tickets/{2**64 + 1}", "officer"),
    ("GET", f"/api/v1/dossiers?limit={HUGE}", "officer"),
    ("GET", f"/api/v1/dossiers?status={HUGE}", "officer"),
    ("POST", f"/api/v1/lockers/alerts/{HUGE}/ack", "supervisor"),
    ("POST", f"/api/v1/lockers/parcels/{HUGE}/retrieve", "supervisor"),
    ("POST", f"/api/v1/lockers/parcels/{HUGE}/new-code", "supervisor"),
    ("POST", f"/api/v1/lockers/result-1/compartments/{HUGE}/enable", "supervisor"),
    ("GET", f"/api/v1/lockers/audit?compartment={HUGE}", "supervisor"),
    ("GET", f"/api/v1/lockers/audit?limit={HUGE}", "supervisor"),
    ("GET", f"/api/v1/notices?limit={HUGE}", "supervisor"),
]


def assert_clear_4xx(r: httpx.Response, status: int = 422) -> None:
    assert r.status_code == status, (r.status_code, r.text[:300])
    err = r.json()["error"]
    assert err["code"] and " / " in err["message"]  # Vietnamese / English
    assert "Traceback" not in r.text


@pytest.mark.parametrize("method,path,who", BIG_PATHS, ids=[f"{m} {p.split('?')[0]}" for m, p, _ in BIG_PATHS])
def test_integers_past_sqlite_range_in_paths_and_queries_get_422(live_server, method, path, who):
    r = httpx.request(method, live_server.base_url + path, headers=live_server.headers(who), timeout=30)
    assert_clear_4xx(r)


@pytest.mark.parametrize("path,body,who", [
    ("/api/v1/tickets/1/transfer", {"service": "civil"}, "officer"),
    ("/api/v1/ratings", {"ticket_id": HUGE, "level": "satisfied"}, "rating"),
    ("/api/v1/lockers/result-1/compartments/1/report", {"event": "sensor", "parcel_id": HUGE}, "bank"),
    ("/api/v1/lockers/result-1/compartments/1/report", {"event": "sensor", "latency_s": 1e300}, "bank"),
    ("/api/v1/lockers/result-1/reconcile", {"compartments": [{"compartment": HUGE}]}, "bank"),
], ids=["transfer-path", "rating-ticket", "report-parcel", "report-latency", "reconcile-number"])
def test_integers_past_range_in_bodies_get_422(live_server, path, body, who):
    if path.endswith("/transfer"):
        path = path.replace("/1/", f"/{HUGE}/")
    r = httpx.post(live_server.base_url + path, json=body, headers=live_server.headers(who), timeout=30)
    assert_clear_4xx(r)


@pytest.mark.parametrize("field,value", [
    ("received_at", "0001-01-01T00:00:00+07:00"), ("due_at", "0001-01-01T00:00:00"),
    ("due_date", "0001-01-01"), ("due_date", "9999-12-31"), ("received_at", "1900-01-01T00:00:00Z"),
])
def test_dates_outside_the_years_a_center_can_mean_get_422(live_server, field, value):
    r = httpx.post(live_server.base_url + "/api/v1/dossiers", headers=live_server.headers("officer"), timeout=30,
                   json={"applicant_name": "Nguyễn Văn An", field: value})
    assert_clear_4xx(r)
    assert field in r.json()["error"]["message"]


def test_a_body_over_one_megabyte_is_refused_unread_with_413(live_server):
    filler = "x" * (2 * 1024 * 1024)
    r = httpx.post(live_server.base_url + "/api/v1/tickets", headers=live_server.headers("kiosk"), timeout=30,
                   json={"service": "land", "priority_proof": filler})
    assert_clear_4xx(r, 413)

    def chunks():  # no Content-Length: the cap must hold on what actually arrives
        yield b'{"service": "land", "x": "'
        for _ in range(40):
            yield b"y" * 65536
        yield b'"}'
    r = httpx.post(live_server.base_url + "/api/v1/tickets", timeout=30, content=chunks(),
                   headers={**live_server.headers("kiosk"), "Content-Type": "application/json"})
    assert_clear_4xx(r, 413)
    # a normal ticket still issues, also chunked
    r = httpx.post(live_server.base_url + "/api/v1/tickets", timeout=30, content=iter([b'{"service": ', b'"land"}']),
                   headers={**live_server.headers("kiosk"), "Content-Type": "application/json"})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_api_bodies_that_are_not_json_get_415(live_server, content_type):
    headers = {**live_server.headers("kiosk")}
    if content_type:
        headers["Content-Type"] = content_type
    r = httpx.post(live_server.base_url + "/api/v1/tickets", content=b'{"service": "land"}', headers=headers,
                   timeout=30)
    assert_clear_4xx(r, 415)
    r = httpx.post(live_server.base_url + "/api/v1/auth/login", data={"username": "officer1", "password": "x"},
                   timeout=30)
    assert_clear_4xx(r, 415)
    ok = httpx.post(live_server.base_url + "/api/v1/tickets", content=b'{"service": "land"}', timeout=30,
                    headers={**headers, "Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("name", ["Nguyễn\u202eAVN", "Trần\x00Văn", "Lê\u2067Thị\u2069", "Phạm\u200fAn"])
def test_names_with_nul_or_bidi_controls_are_refused(live_server, name):
    r = httpx.post(live_server.base_url + "/api/v1/dossiers", headers=live_server.headers("officer"), timeout=30,
                   json={"applicant_name": name, "procedure": "Cấp giấy khai sinh"})
    assert_clear_4xx(r)
    r = httpx.post(live_server.base_url + "/api/v1/dossiers", headers=live_server.headers("officer"), timeout=30,
                   json={"applicant_name": "Hà Văn Tú", "procedure": name})
    assert_clear_4xx(r)


def test_empty_dossiers_and_misspelt_fields_are_refused(live_server):
    post = lambda body: httpx.post(live_server.base_url + "/api/v1/dossiers", json=body, timeout=30,  # noqa: E731
                                   headers=live_server.headers("officer"))
    assert_clear_4xx(post({}))
    assert_clear_4xx(post({"procedure": "  ", "applicant_name": ""}))
    assert_clear_4xx(post({"applicant_name": "Vũ Thị Lan", "phone_number": "0901234567"}))  # the phone would be lost


@pytest.mark.parametrize("path,body,who", [
    ("/api/v1/lockers/result-1/compartments/1/report", {"event": "sensor", "dooropen": True}, "bank"),
    ("/api/v1/lockers/result-1/deposits", {"dossier": "X", "sise": "L"}, "officer"),
    ("/api/v1/ratings", {"ticket_id": 1, "level": "dissatisfied", "resaon": "chờ lâu"}, "rating"),
], ids=["report", "deposit", "rating"])
def test_misspelt_fields_are_refused_not_dropped(live_server, path, body, who):
    r = httpx.post(live_server.base_url + path, json=body, headers=live_server.headers(who), timeout=30)
    assert_clear_4xx(r)
    assert next(k for k in body if k not in ("event", "dossier", "ticket_id", "level")) in r.json()["error"]["message"]


def test_reconcile_lists_longer_than_a_bank_are_refused(live_server):
    compartments = [{"compartment": 1, "door_open": False, "item": False}] * 1001
    r = httpx.post(live_server.base_url + "/api/v1/lockers/result-1/reconcile", json={"compartments": compartments},
                   headers=live_server.headers("bank"), timeout=30)
    assert_clear_4xx(r)


def test_an_imported_dossier_code_cannot_exhaust_the_days_numbering(live_server):
    officer = live_server.headers("officer")
    post = lambda body: httpx.post(live_server.base_url + "/api/v1/dossiers", json=body, headers=officer,  # noqa: E731
                                   timeout=30)
    first = post({"applicant_name": "Đỗ Văn Cường"})
    assert first.status_code == 201, first.text
    prefix, seq = first.json()["code"].rsplit("-", 1)
    for n in (9999, int(seq) + 1):  # the last number of the day, and the very next one
        assert post({"code": f"{prefix}-{n:04d}", "applicant_name": "Nhập Từ Một Cửa"}).status_code == 201
    after = post({"applicant_name": "Bùi Thị Hoa"})
    assert after.status_code == 201, after.text
    assert after.json()["code"] == f"{prefix}-{int(seq) + 2:04d}"  # the imported number is skipped, not reused


# -- user names: NFC, and no name that reads like another ----------------------------------------
def test_user_names_are_nfc_and_look_alikes_are_refused(tmp_path):
    store = open_store(tmp_path / "users.sqlite")
    try:
        decomposed = unicodedata.normalize("NFD", "cán.bộ")
        add_user(store, decomposed, "officer", "password-1")
        names = [r["username"] for r in store.query("SELECT username FROM staff")]
        assert names == [unicodedata.normalize("NFC", "cán.bộ")]
        now = FakeClock(MONDAY_MORNING)()
        assert login(store, decomposed, "password-1", now, 1)["username"] == names[0]  # typed either way
        for look_alike in ("can.bo", "Cán.Bộ", "cаn.bo", "ｃan.bo", "can\u200b.bo"):  # Latin, case, Cyrillic а, full-width, ZWSP
            with pytest.raises(ValueError):
                add_user(store, look_alike, "officer", "password-2")
        add_user(store, decomposed, "supervisor", "password-3")  # the same account may be updated
        assert store.one("SELECT role FROM staff")["role"] == "supervisor"
    finally:
        store.close()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_a_normalised_user_name_is_nfc_latin_and_stable(raw):
    try:
        name = normalise_username(raw)
    except ValueError:
        return
    assert unicodedata.is_normalized("NFC", name) and 1 <= len(name) <= 64
    assert all(c in "._-" or c.isdigit() or unicodedata.name(c).startswith("LATIN ") for c in name)
    assert normalise_username(name) == name
