"""`motcua bench onestop`: how fast province dossiers get in, and how late (JSON out).

Real processes: `motcua serve` (SQLite, durable commits) and `motcua sim onestop`.
- push: batches of 1,000 new items to POST /api/v1/integrations/dossiers → items/s applied;
  the same batches again → items/s answered `unchanged` (a source retrying).
- pull catch-up: the simulator makes a day of history at once (a ~day-long outage); the
  server's worker reads it page by page → changes/s applied, and seconds to catch up.
- sync lag: a dossier created in the simulator → visible in the server's public lookup,
  with `poll_seconds` = 1 (the lag a citizen could notice; mostly the poll period).
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.live_server import LiveServer
from bench.onestop_sim import start_onestop
from queue_server.config import DEFAULT_CONFIG


def _items(start: int, n: int) -> list[dict]:
    return [{"code": f"000.00.21.H56-2611{1 + (start + k) // 9999:02d}-{(start + k) % 9999 + 1:04d}",
             "status": 2 + k % 8, "status_at": "2026-11-20T09:00:00+07:00", "procedure": "Đăng ký khai sinh",
             "due_at": "2026-11-27T17:00:00+07:00", "applicant_name": "Nguyễn Văn An", "phone": "0912345678"}
            for k in range(n)]


def _summary(xs: list[float]) -> dict[str, float]:
    s = sorted(xs)
    return {"median": round(statistics.median(s), 3), "p95": round(s[min(len(s) - 1, round(0.95 * (len(s) - 1)))], 3),
            "max": round(s[-1], 3)}


def bench_onestop(args: argparse.Namespace) -> int:
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp, start_onestop(per_day=0, seed=5) as sim:
        site = Path(tmp) / "site.toml"
        site.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + f'\n[integrations]\nsource = "{sim.source_url}"\n'
                        f"poll_seconds = 1\npage_size = 1000\n", encoding="utf-8")
        live = LiveServer(Path(tmp) / "srv", config_path=site, clock_start=None)
        key = {"Authorization": "Bearer " + live.device_key("integration")}
        live.start()
        try:
            api = httpx.Client(base_url=live.base_url, timeout=60)
            batches = [_items(b * 1000, 1000) for b in range(args.batches)]
            for label, expect in (("push_new", "applied"), ("push_again", "unchanged")):
                t0 = time.perf_counter()
                for batch in batches:
                    r = api.post("/api/v1/integrations/dossiers", json={"items": batch}, headers=key)
                    assert r.status_code == 200 and r.json()["counts"][expect] == len(batch), r.text[:300]
                elapsed = time.perf_counter() - t0
                out[label] = {"items": len(batches) * 1000, "seconds": round(elapsed, 2),
                              "items_per_s": round(len(batches) * 1000 / elapsed)}

            sup = live.headers("supervisor")
            feed = sim.control("generate", count=args.history, hours_back=24)["changes"]
            length = sim.state()["feed_length"]
            t0 = time.perf_counter()
            while True:
                src = api.get("/api/v1/integrations/health", headers=sup).json()["sources"]
                pull = next((s for s in src if s["name"] == "pull"), None)
                if pull and pull["cursor"] == f"v1.{length}":
                    break
                assert time.perf_counter() - t0 < 120, "pull did not catch up"
                time.sleep(0.05)
            elapsed = time.perf_counter() - t0
            out["pull_catch_up"] = {"dossiers": args.history, "changes": feed, "seconds": round(elapsed, 2),
                                    "changes_per_s": round(feed / elapsed), "page_size": 1000}

            lags = []
            for _ in range(args.lag_rounds):
                code = sim.create()["code"]
                t0 = time.perf_counter()
                while api.get(f"/api/v1/dossiers/{code}").status_code != 200:
                    assert time.perf_counter() - t0 < 30
                    time.sleep(0.02)
                lags.append(time.perf_counter() - t0)
                time.sleep(0.37)  # do not stay in phase with the poll
            out["sync_lag_s"] = {"poll_seconds": 1, "rounds": len(lags), **_summary(lags)}
        finally:
            live.stop()
    print(json.dumps(out, indent=2))
    return 0


def register_bench(bench: argparse._SubParsersAction) -> None:
    p = bench.add_parser("onestop", help="province dossiers: push items/s, pull catch-up, sync lag (JSON)")
    p.add_argument("--batches", type=int, default=10, help="push batches of 1,000 items (default 10)")
    p.add_argument("--history", type=int, default=3000, help="dossiers of history for the pull catch-up")
    p.add_argument("--lag-rounds", type=int, default=20)
    p.set_defaults(func=bench_onestop)
