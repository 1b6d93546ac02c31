"""The province server against a real PostgreSQL: keys, idempotent apply, refusals, dashboard."""
from __future__ import annotations

import httpx
import psycopg
import pytest

from queue_server.shipping.tables import BY_NAME, TICKET_COLUMNS

pytestmark = pytest.mark.xdist_group("postgres")


def ticket(id_: int, state: str = "waiting", version: int = 1) -> list:
    row = dict.fromkeys(TICKET_COLUMNS)
    row.update(id=id_, day="2026-11-23", service="ho-tich", seq=id_, number=f"A{id_:03d}", channel="kiosk",
               state=state, issued_ts=1795370400.0 + id_, arrived_ts=1795370400.0 + id_, recalls=0)
    return [*row.values(), version]


def batch(site: str, first: int, last: int, frm: int | None = None, state: str = "waiting") -> dict:
    events = [[i, i, 1795370400.0 + i, "issued", None, "device:kiosk", None] for i in range(first, last + 1)]
    return {"site": site, "from": {"ticket_events": first - 1 if frm is None else frm},
            "to": {"ticket_events": last},
            "logs": {"ticket_events": {"columns": list(BY_NAME["ticket_events"].columns), "rows": events}},
            "parents": {"tickets": {"columns": [*TICKET_COLUMNS, "version"],
                                    "rows": [ticket(i, state, i) for i in range(first, last + 1)]}},
            "pending": 0, "oldest_pending_ts": None}


def post(province, key: str, body) -> httpx.Response:
    return httpx.post(province.base_url + "/api/v1/province/batches", json=body,
                      headers={"Authorization": f"Bearer {key}"}, timeout=30)


def count(dsn: str, sql: str, *args) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql, args).fetchone()[0]


def test_site_key_is_shown_once_and_stored_hashed(province, province_dsn):
    key = province.add_site("xa-a")
    assert key.startswith("prov_") and len(key) > 30
    with psycopg.connect(province_dsn) as conn:
        stored = conn.execute("SELECT key_hash FROM province_keys WHERE name = 'xa-a'").fetchone()[0]
    assert key not in stored and len(stored) == 64
    again = province.cli("site", "add", "Bad Name!")
    assert again.returncode == 2 and "Bad Name!" in again.stderr


def test_batch_applied_once_even_when_sent_twice(province, province_dsn):
    key = province.add_site("xa-a")
    province.start()
    first = post(province, key, batch("xa-a", 1, 50))
    assert first.status_code == 200, first.text
    assert first.json()["cursor"]["ticket_events"] == 50 and first.json()["inserted"] == 50
    again = post(province, key, batch("xa-a", 1, 50))  # the answer was lost: the shipper resends
    assert again.status_code == 200 and again.json()["inserted"] == 0 and again.json()["skipped"] == 50
    overlap = post(province, key, batch("xa-a", 40, 60, frm=39))
    assert overlap.json()["inserted"] == 10 and overlap.json()["cursor"]["ticket_events"] == 60
    assert count(province_dsn, "SELECT count(*) FROM ticket_events WHERE site = 'xa-a'") == 60
    assert count(province_dsn, "SELECT count(*) FROM tickets WHERE site = 'xa-a'") == 60


def test_a_stale_resend_never_rolls_a_ticket_back(province, province_dsn):
    key = province.add_site("xa-a")
    province.start()
    newer = batch("xa-a", 1, 3, state="done")
    for row in newer["parents"]["tickets"]["rows"]:
        row[-1] = 100  # read later: a higher version
    assert post(province, key, newer).status_code == 200
    assert post(province, key, batch("xa-a", 1, 3, state="waiting")).status_code == 200
    assert count(province_dsn, "SELECT count(*) FROM tickets WHERE state = 'done'") == 3


def test_a_gap_is_refused_with_the_province_cursor(province):
    key = province.add_site("xa-a")
    province.start()
    assert post(province, key, batch("xa-a", 1, 10)).status_code == 200
    r = post(province, key, batch("xa-a", 21, 30))  # 11-20 would be missing
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "cursor_gap" and r.json()["cursor"]["ticket_events"] == 10


def test_one_sites_key_cannot_write_another_sites_rows(province, province_dsn):
    key_a, key_b = province.add_site("xa-a"), province.add_site("xa-b")
    viewer = province.add_viewer("tinh")
    province.start()
    r = post(province, key_a, batch("xa-b", 1, 5))
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_site"
    assert post(province, "prov_not-a-key", batch("xa-a", 1, 5)).status_code == 401
    assert post(province, viewer, batch("xa-a", 1, 5)).status_code == 403
    assert httpx.post(province.base_url + "/api/v1/province/batches", json=batch("xa-a", 1, 5)).status_code == 401
    assert province.get("/api/v1/province/sites", key_b).status_code == 403
    assert count(province_dsn, "SELECT count(*) FROM ticket_events") == 0


@pytest.mark.parametrize("body", [
    [1, 2], {"site": "xa-a", "from": {"nope": 1}, "to": {}},
    {"site": "xa-a", "from": {}, "to": {"ticket_events": 1},
     "logs": {"ticket_events": {"columns": ["id"], "rows": [[1]]}}},
    {"site": "xa-a", "from": {}, "to": {"ticket_events": 1},
     "logs": {"ticket_events": {"columns": list(BY_NAME["ticket_events"].columns),
                                "rows": [[1, 1, "not a time", "issued", None, None, None]]}}},
    {"site": "xa-a", "from": {}, "to": {}, "center": 42},
    {"site": "xa-a", "from": {}, "to": {}, "center": "x" * 201},
    {"site": "xa-a", "from": {}, "to": {}, "services": ["civil"]},
    {"site": "xa-a", "from": {}, "to": {}, "services": {"civil": 7}},
])
def test_bad_batches_get_a_clear_4xx(province, body):
    key = province.add_site("xa-a")
    province.start()
    r = post(province, key, body)
    assert r.status_code in (403, 422), r.text
    assert set(r.json()["error"]) == {"code", "message"}


def test_dashboard_lists_sites_with_tickets_today(province):
    key_a, _ = province.add_site("xa-a"), province.add_site("xa-b")
    viewer = province.add_viewer("tinh")
    province.start()
    assert post(province, key_a, batch("xa-a", 1, 7)).status_code == 200
    sites = {s["site"]: s for s in province.get("/api/v1/province/sites", viewer).json()["sites"]}
    assert sites["xa-a"]["tickets_today"] == 7 and sites["xa-b"]["tickets_today"] == 0
    assert sites["xa-b"]["silent"] and not sites["xa-a"]["silent"]
    # a site is called by the name it sends ([center] name); one that never said it, by its code
    assert post(province, key_a, {**batch("xa-a", 8, 8), "center": "UBND xã Tà Nung"}).status_code == 200
    sites = {s["site"]: s for s in province.get("/api/v1/province/sites", viewer).json()["sites"]}
    assert sites["xa-a"]["name"] == "UBND xã Tà Nung" and sites["xa-b"]["name"] == "xa-b"
    page = httpx.get(province.base_url + "/province", params={"token": viewer})
    assert page.status_code == 200 and 'data-site="xa-a"' in page.text and 'data-site="xa-b"' in page.text
    assert "Các điểm một cửa" in page.text
    assert httpx.get(province.base_url + "/province").status_code == 401
