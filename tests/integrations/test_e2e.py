"""End to end: a dossier made in the province simulator reaches status 9, is synced by the real
server (its background worker), deposited in a locker, collected by the citizen, and the
simulator receives status 10 — through an outage that spans a server restart."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx

from bench.live_server import MONDAY_MORNING, LiveServer
from bench.onestop_sim import start_onestop
from queue_server.config import DEFAULT_CONFIG

KIOSK = "result-1"


def wait_for(what, timeout: float = 30.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what.__doc__ or what}"
        time.sleep(step)


def site_with_source(tmp: Path, source_url: str) -> Path:
    path = tmp / "site.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + f"""
[integrations]
source = "{source_url}"
poll_seconds = 0.3
backoff_max_seconds = 1
retry_base_seconds = 0.3
""", encoding="utf-8")
    return path


def test_province_dossier_to_locker_and_status_10_back(tmp_path):
    with start_onestop(per_day=0, seed=3, clock_start=MONDAY_MORNING) as sim:
        live = LiveServer(tmp_path / "srv", config_path=site_with_source(tmp_path, sim.source_url))
        kiosk = {"Authorization": "Bearer " + live.bank_key(KIOSK)}     # the bank obeys only its own key
        live.start()
        try:
            api = httpx.Client(base_url=live.base_url, timeout=30)
            code = sim.create(procedure="Đăng ký khai sinh", applicant_name="Đặng Thu Trang",
                              phone="0912000333")["code"]
            for status in (2, 4):
                sim.set_status(code, status)
            t0 = time.monotonic()
            sim.set_status(code, 9)

            def synced_done():
                r = api.get(f"/api/v1/dossiers/{code}", headers=live.headers("kiosk"))   # the kiosk view
                return r.status_code == 200 and r.json()["status"] == 9 and r.json()
            public = wait_for(synced_done)
            lag = time.monotonic() - t0
            assert public["applicant"] == "Đ*** T*** T***" and public["procedure"] == "Đăng ký khai sinh"
            print(f"\nsync lag (status 9 in the simulator → visible on the server): {lag:.2f}s")

            # the result goes into a locker (staff), the notice carries the pickup code
            staff = live.headers("officer")
            r = api.post(f"/api/v1/lockers/{KIOSK}/deposits", json={"dossier": code, "size": "S"}, headers=staff)
            assert r.status_code == 201, r.text
            parcel = r.json()
            report = lambda event, **kw: api.post(  # noqa: E731
                f"/api/v1/lockers/{KIOSK}/compartments/{parcel['compartment']}/report",
                json={"event": event, **kw}, headers=kiosk).json()
            report("open_confirmed", parcel_id=parcel["id"], door_open=True, item=False)
            assert report("closed", parcel_id=parcel["id"], door_open=False, item=True)["result"] == "ready"
            step = api.get(f"/api/v1/dossiers/{code}").json()["next_step"]
            assert f"ở tủ trả kết quả, ngăn số {parcel['compartment']}" in step     # what the citizen reads
            api.post("/api/v1/notices/run", headers=live.headers("supervisor"))

            def pickup_code():
                for f in (live.db_path.parent / "outbox").glob("*.json"):
                    text = json.loads(f.read_text(encoding="utf-8"))["text"]
                    if code in text and (m := re.search(r"Mã nhận: (\d{6})", text)):
                        return m.group(1)
            otp = wait_for(pickup_code)

            # the province goes down just before the citizen comes
            sim.faults(down=True)
            ok = api.post(f"/api/v1/lockers/{KIOSK}/pickup/verify", json={"dossier": code, "code": otp}, headers=kiosk)
            assert ok.status_code == 200, ok.text
            report("open_confirmed", parcel_id=ok.json()["id"], door_open=True, item=True)
            assert report("closed", parcel_id=ok.json()["id"], door_open=False, item=False)["result"] == "collected"
            assert api.get(f"/api/v1/dossiers/{code}").json()["status"] == 10

            sup = live.headers("supervisor")

            def refused_once():
                d = api.get("/api/v1/dashboard", headers=sup).json()
                rows = d["integrations"]["results"]["unacknowledged"]
                return rows and rows[0]["attempts"] >= 1 and rows[0]["last_error"] and d
            dash = wait_for(refused_once)
            row = dash["integrations"]["results"]["unacknowledged"][0]
            assert row["code"] == code and row["channel"] == "locker" and "503" in row["last_error"]
            assert "sync_failing" in [a["code"] for a in dash["alerts"]]
            assert sim.state()["results"] == {}

            live.restart()                          # the report is in SQLite, not in memory
            sim.clear_faults()
            api = httpx.Client(base_url=live.base_url, timeout=30)
            got = wait_for(lambda: sim.state()["results"].get(code))
            assert got["channel"] == "locker" and got["handed_over_at"].startswith("2026-11-23T")
            assert sim.dossier(code)["status"] == 10
            sup = live.headers("supervisor")

            def settled():
                d = api.get("/api/v1/dashboard", headers=sup).json()
                src = d["integrations"]["sources"][0]
                return src["ok"] and d["integrations"]["results"]["pending"] == 0 and \
                    d["integrations"]["results"]["acked"] == 1 and d
            dash = wait_for(settled)
            assert not [a for a in dash["alerts"] if a["code"].startswith(("sync_", "results_"))]
            # the feed now says 10 too; the copy stays 10 and nothing is reported twice
            time.sleep(1)
            assert sim.state()["stats"]["results_duplicate"] == 0
            row = live_db_row(live, code)
            assert row["status"] == 10 and row["phone"] is None      # contacts gone once handed over
        finally:
            live.stop()


def live_db_row(live: LiveServer, code: str) -> dict:
    import sqlite3
    con = sqlite3.connect(live.db_path)
    try:
        cur = con.execute("SELECT status, phone FROM dossiers WHERE code = ?", (code,))
        return dict(zip([d[0] for d in cur.description], cur.fetchone()))
    finally:
        con.close()
