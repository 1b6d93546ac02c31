"""Sites ship to a real province over real HTTP, through link cuts and crashes:
nothing lost, nothing applied twice (counted on both ends), wrong keys refused."""
from __future__ import annotations

import sqlite3
import time

import httpx
import psycopg
import pytest

from bench.tcp_proxy import TcpProxy

from .conftest import wait_until

pytestmark = pytest.mark.xdist_group("postgres")


def issue(site, n: int, start: int = 0) -> None:
    with httpx.Client(base_url=site.base_url, headers=site.headers("kiosk"), timeout=30) as client:
        for i in range(start, start + n):
            r = client.post("/api/v1/tickets", json={"service": "land"}, headers={"Idempotency-Key": f"t{i}"})
            assert r.status_code == 201, r.text


def serve_some(site, n: int) -> None:
    with httpx.Client(base_url=site.base_url, headers=site.headers("officer"), timeout=30) as client:
        for _ in range(n):
            t = client.post("/api/v1/counters/2/call-next").json()
            assert client.post(f"/api/v1/tickets/{t['id']}/start").status_code == 200
            assert client.post(f"/api/v1/tickets/{t['id']}/finish").status_code == 200


def site_counts(site) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{site.db_path}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("tickets", "ticket_events")}
    finally:
        conn.close()


def province_counts(dsn: str, name: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t} WHERE site = %s", (name,)).fetchone()[0]
                for t in ("tickets", "ticket_events")}


def shipped_all(site, dsn: str, name: str) -> bool:
    return site_counts(site) == province_counts(dsn, name)


def shipping_panel(site) -> dict:
    r = httpx.get(site.base_url + "/api/v1/dashboard", headers=site.headers("supervisor"), timeout=30)
    return r.json()["shipping"]


def test_two_sites_ship_everything_and_the_province_shows_both(province, province_dsn, site_server):
    key_a, key_b = province.add_site("xa-a"), province.add_site("xa-b")
    viewer = province.add_viewer()
    province.start()
    a, b = site_server("xa-a", province.base_url, key_a), site_server("xa-b", province.base_url, key_b)
    issue(a, 12)
    serve_some(a, 5)
    issue(b, 4)
    wait_until(lambda: shipped_all(a, province_dsn, "xa-a") and shipped_all(b, province_dsn, "xa-b"),
               what="both sites shipped")
    assert province_counts(province_dsn, "xa-a") == {"tickets": 12, "ticket_events": 12 + 5 * 3}
    with psycopg.connect(province_dsn) as conn:  # ticket rows follow their events: 5 served
        assert conn.execute("SELECT count(*) FROM tickets WHERE site = 'xa-a' AND state = 'done'").fetchone()[0] == 5
    panel = wait_until(lambda: (p := shipping_panel(a))["pending"] == 0 and p, what="lag 0")
    assert panel["lag_seconds"] == 0 and panel["error"] is None and panel["last_ack"]
    sites = {s["site"]: s for s in province.get("/api/v1/province/sites", viewer).json()["sites"]}
    assert sites["xa-a"]["tickets_today"] == 12 and sites["xa-b"]["tickets_today"] == 4
    page = httpx.get(province.base_url + "/province", params={"token": viewer, "lang": "en"}).text
    assert 'data-site="xa-a"' in page and 'data-site="xa-b"' in page and "tickets today" in page


def test_link_cut_and_restored_loses_and_duplicates_nothing(province, province_dsn, site_server):
    key = province.add_site("xa-a")
    province.start()
    proxy = TcpProxy(("127.0.0.1", province.port)).start()
    try:
        site = site_server("xa-a", proxy.url, key, batch_size=7)
        issue(site, 10)
        wait_until(lambda: shipped_all(site, province_dsn, "xa-a"), what="first tickets shipped")
        proxy.cut()
        issue(site, 30, start=10)
        serve_some(site, 4)
        time.sleep(2)
        panel = shipping_panel(site)  # the supervisor sees the backlog and its age
        assert panel["pending"] == 30 + 4 * 3 and panel["lag_seconds"] >= 1
        assert panel["state"] == "retrying" and panel["error"]
        assert province_counts(province_dsn, "xa-a")["tickets"] == 10
        proxy.restore()
        wait_until(lambda: shipped_all(site, province_dsn, "xa-a"), what="catch-up after the cut")
        assert province_counts(province_dsn, "xa-a") == {"tickets": 40, "ticket_events": 40 + 12}
        wait_until(lambda: shipping_panel(site)["pending"] == 0, what="lag back to 0")
    finally:
        proxy.close()


def _kill_mid_stream(site, dsn: str, total_events: int) -> None:
    """Wait until the province has part of the site's events, not all."""
    wait_until(lambda: province_counts(dsn, "xa-a")["ticket_events"] > 0, timeout=30, what="first batches")
    assert province_counts(dsn, "xa-a")["ticket_events"] < total_events, "shipped before the crash: test too slow"


def test_sigkill_of_the_site_server_mid_stream(province, province_dsn, site_server):
    key = province.add_site("xa-a")
    province.start()
    proxy = TcpProxy(("127.0.0.1", province.port)).start()
    try:
        site = site_server("xa-a", proxy.url, key, batch_size=2)
        proxy.cut()  # a backlog first, so the crash lands in the middle of shipping it
        issue(site, 150)
        proxy.restore()
        _kill_mid_stream(site, province_dsn, 150)
        site.kill()
        site.start()
        wait_until(lambda: shipped_all(site, province_dsn, "xa-a"), what="shipping resumed after the crash")
        assert province_counts(province_dsn, "xa-a") == {"tickets": 150, "ticket_events": 150}
    finally:
        proxy.close()


def test_sigkill_of_the_province_server_mid_stream(province, province_dsn, site_server):
    key = province.add_site("xa-a")
    province.start()
    proxy = TcpProxy(("127.0.0.1", province.port)).start()
    try:
        site = site_server("xa-a", proxy.url, key, batch_size=2)
        proxy.cut()
        issue(site, 150)
        proxy.restore()
        _kill_mid_stream(site, province_dsn, 150)
        province.kill()
        time.sleep(1.5)
        assert shipping_panel(site)["pending"] > 0
        province.start()
        wait_until(lambda: shipped_all(site, province_dsn, "xa-a"), what="shipping resumed after the province crash")
        assert province_counts(province_dsn, "xa-a") == {"tickets": 150, "ticket_events": 150}
    finally:
        proxy.close()


def test_a_site_using_another_sites_key_is_refused(province, province_dsn, site_server):
    province.add_site("xa-a")
    key_b = province.add_site("xa-b")
    province.start()
    site = site_server("xa-a", province.base_url, key_b)  # misconfigured: xa-b's key
    issue(site, 3)
    panel = wait_until(lambda: (p := shipping_panel(site))["state"] == "refused" and p, what="refusal")
    assert panel["pending"] == 3 and "xa-b" in panel["error"]
    assert province_counts(province_dsn, "xa-a")["ticket_events"] == 0
    assert province_counts(province_dsn, "xa-b")["ticket_events"] == 0


def test_dossiers_and_locker_parcels_reach_the_province_without_contacts(province, province_dsn, site_server):
    key = province.add_site("xa-a")
    province.start()
    site = site_server("xa-a", province.base_url, key)
    with httpx.Client(base_url=site.base_url, headers=site.headers("officer"), timeout=30) as client:
        made = client.post("/api/v1/dossiers", json={"procedure": "Cấp bản sao trích lục khai sinh",
                                                     "applicant_name": "Nguyễn Thị Hoa", "phone": "0912345678",
                                                     "email": "hoa@example.vn"})
        assert made.status_code == 201, made.text
        code = made.json()["code"]
        assert client.post(f"/api/v1/dossiers/{code}/status", json={"status": 4}).status_code == 200
        assert client.post(f"/api/v1/dossiers/{code}/status", json={"status": 9}).status_code == 200
        parcel = client.post("/api/v1/lockers/result-1/deposits", json={"dossier": code, "size": "S"})
        assert parcel.status_code == 201, parcel.text

    def arrived():
        with psycopg.connect(province_dsn) as conn:
            return conn.execute("SELECT d.status, d.applicant_masked, (SELECT count(*) FROM dossier_events e "
                                "WHERE e.site = d.site AND e.code = d.code), p.state FROM dossiers d "
                                "JOIN locker_parcels p ON p.site = d.site AND p.dossier = d.code "
                                "WHERE d.site = 'xa-a' AND d.code = %s", (code,)).fetchone()
    status, masked, events, state = wait_until(arrived, what="dossier and parcel at the province")
    assert (status, events, state) == (9, 3, "reserved")
    assert "Hoa" not in masked or "*" in masked
    with psycopg.connect(province_dsn) as conn:  # contacts never leave the site
        columns = {r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name IN ('dossiers', 'locker_parcels')")}
    assert not columns & {"phone", "email", "zalo_id", "code_hash", "code_salt"}


def test_batches_too_large_for_the_province_are_split(province, province_dsn, site_server):
    key = province.add_site("xa-a")
    province.extra_args = ("--max-batch-kb", "4")  # about 20 ticket events with their tickets
    province.start()
    site = site_server("xa-a", province.base_url, key, batch_size=500)
    issue(site, 120)
    wait_until(lambda: shipped_all(site, province_dsn, "xa-a"), what="shipped in smaller batches")
    assert province_counts(province_dsn, "xa-a") == {"tickets": 120, "ticket_events": 120}
