"""`motcua bench server`: the real server (uvicorn, one worker) on loopback.

A temporary database and the sample site (daily caps lifted so every request
issues a real ticket); a separate load process runs four phases with the same
N clients: GET /api/v1/health (no-op of the same app), POST /api/v1/bench/noop-ticket
(no-op with the ticket endpoint's auth, body and headers), POST /api/v1/tickets
alone, tickets while M counters call next, and the same paced at a fixed rate.
Ratio = issue / no-op throughput (closed loop: every client sends its next request
as soon as it has the answer, so latency there is mostly queueing, N / throughput).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .config import DEFAULT_CONFIG, load_site


def run(clients: int = 50, counters: int = 12, seconds: float = 10.0, paced: float = 2.0) -> dict[str, Any]:
    """`paced`: requests/s per client in the last phase (50 × 2 = 100 tickets/s, ~30× a
    provincial center's peak), where latency is not just queueing behind the other 49."""
    from .testing import LiveServer
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        config = Path(tmp) / "site.toml"
        config.write_text(re.sub(r"(?m)^daily_cap = \d+\n", "", DEFAULT_CONFIG.read_text(encoding="utf-8")),
                          encoding="utf-8")
        site = load_site(config)
        live = LiveServer(Path(tmp) / "server", config_path=config, open_all_hours=True, clock_start=None,
                          extra_args=("--bench-routes",))
        live.start()
        try:
            spec = {"port": int(live.base_url.rsplit(":", 1)[1]), "kiosk_key": live.kiosk_key,
                    "officer_token": live.token("officer"), "services": list(site.services),
                    "phases": [
                        {"kind": "noop", "clients": clients, "seconds": seconds},
                        {"kind": "noop_post", "clients": clients, "seconds": seconds},
                        # paced first, while the queues have realistic lengths
                        {"kind": "issue", "clients": clients, "seconds": seconds,
                         "counters": list(site.counters)[:counters], "rate_per_client": paced},
                        {"kind": "issue", "clients": clients, "seconds": seconds},
                        {"kind": "issue", "clients": clients, "seconds": seconds,
                         "counters": list(site.counters)[:counters]},
                    ]}
            load = subprocess.run([sys.executable, "-m", "queue_server.bench_load", json.dumps(spec)],
                                  capture_output=True, text=True, timeout=seconds * 3 + 120, check=True)
            noop, noop_post, mixed_paced, issue, mixed = json.loads(load.stdout)
            tickets = live.db_path and _count(live.db_path)
        finally:
            live.stop()
    ratio = issue["throughput_rps"] / noop["throughput_rps"] if noop["throughput_rps"] else None
    ratio_post = issue["throughput_rps"] / noop_post["throughput_rps"] if noop_post["throughput_rps"] else None
    return {
        "bench": "server", "cpus": os.cpu_count(), "server": "uvicorn, 1 worker, SQLite WAL",
        "clients": clients, "counters": counters, "seconds_per_phase": seconds,
        "noop": noop, "noop_post": noop_post, "issue": issue, "issue_with_counters": mixed,
        "issue_paced_with_counters": mixed_paced,
        "ratio_issue_over_noop": round(ratio, 3) if ratio else None,
        "ratio_issue_over_noop_post": round(ratio_post, 3) if ratio_post else None,
        "tickets_in_db": tickets,
        "targets": {"ratio_min": 0.7, "p99_ms_max": 20.0,
                    "ratio_ok": bool(ratio and ratio >= 0.7), "p99_closed_loop_ok": issue["p99_ms"] <= 20.0,
                    "p99_paced_ok": mixed_paced["p99_ms"] <= 20.0},
    }


def _count(db_path: Path) -> int:
    import sqlite3
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
