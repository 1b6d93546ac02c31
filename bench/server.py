"""`motcua bench server`: the real server (uvicorn, one worker) on loopback.

A temporary database and the sample site (daily caps lifted so every request
issues a real ticket); a separate load process runs the phases with the same
N clients: GET /api/v1/health (no-op of the same app); tickets at each offered
load (tickets/s) while M counters call next; then, in turns of 2 s, three closed
loops: POST /api/v1/bench/noop-ticket (no-op with the ticket endpoint's auth, body
and headers), POST /api/v1/tickets with the kiosk's time-ordered Idempotency-Keys,
and the same with random (UUID4) keys; last, tickets in closed loop while the
counters call as fast as they can. Ratio = tickets / POST no-op answered in the
same time (closed loop: every client sends its next request as soon as it has the
answer, so latency there is queueing, N / throughput); the p99 target is judged at
the offered loads. Each phase also reports the server's CPU per request (/proc).
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

from queue_server.config import DEFAULT_CONFIG, load_site


def run(clients: int = 50, counters: int = 12, seconds: float = 10.0,
        paced: tuple[float, ...] = (100.0, 300.0), sync: str = "full") -> dict[str, Any]:
    """`paced`: offered loads in tickets/s over all clients, while the counters call next
    twice a second each. A center's peak is a few tickets/s; 100/s is a province-sized
    box, 300/s its upper end. The p99 target is judged there: in a closed loop the
    latency is queueing behind the other clients (Little's law: clients / throughput)."""
    from bench.live_server import LiveServer
    # the ratio's three kinds in turns: 2 s slices, twice `seconds` of each kind in all
    slice_ = min(2.0, seconds)
    rounds = max(2, round(2 * seconds / slice_))
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        config = Path(tmp) / "site.toml"
        config.write_text(re.sub(r"(?m)^daily_cap = \d+\n", "", DEFAULT_CONFIG.read_text(encoding="utf-8")),
                          encoding="utf-8")
        site = load_site(config)
        live = LiveServer(Path(tmp) / "server", config_path=config, open_all_hours=True, clock_start=None,
                          extra_args=("--public-rate-per-minute", "0", "--sync", sync),
                          command=(sys.executable, "-m", "bench.server_noop"))
        calling = list(site.counters)[:counters]
        officers = _officers(live, calling)
        live.start()
        try:
            spec = {"port": int(live.base_url.rsplit(":", 1)[1]), "kiosk_key": live.kiosk_key,
                    "officer_token": live.token("officer"), "services": list(site.services),
                    # one officer per counter, as in a hall (one officer holds a counter at a time)
                    "officer_tokens": {k: _login(live, name) for k, name in officers.items()},
                    "server_pid": live.proc.pid,
                    "phases": [
                        {"kind": "noop", "clients": clients, "seconds": seconds},
                        # paced first, while the queues have realistic lengths
                        *({"kind": "issue", "clients": clients, "seconds": seconds, "counters": calling,
                           "rate_per_client": rate / clients, "counter_rate": 2.0} for rate in paced),
                        # the ratio: POST no-op, tickets and tickets with random keys in turns
                        {"kind": "alternate", "clients": clients, "slice": slice_, "rounds": rounds,
                         "kinds": {"noop_post": {"kind": "noop_post"}, "issue": {"kind": "issue"},
                                   "issue_random_keys": {"kind": "issue", "keys": "random"}}},
                        {"kind": "issue", "clients": clients, "seconds": seconds, "counters": calling},
                    ]}
            load = subprocess.run([sys.executable, "-m", "bench.load", json.dumps(spec)],
                                  capture_output=True, text=True, timeout=seconds * 20 + 300, check=True)
            results = json.loads(load.stdout)
            tickets = _count(live.db_path)
        finally:
            live.stop()
    noop, *rest = results
    paced_runs, (turns, mixed) = rest[:len(paced)], rest[len(paced):]
    noop_post, issue, issue_random = (turns["phases"][k] for k in ("noop_post", "issue", "issue_random_keys"))
    ratio = _ratio(issue["requests"], noop_post["requests"])
    per_round = [_ratio(i, n) for i, n in zip(issue["per_round_requests"], noop_post["per_round_requests"])]
    ratio_get = _ratio(issue["throughput_rps"], noop["throughput_rps"])
    ratio_random = _ratio(issue_random["requests"], noop_post["requests"])
    cpu_ratio = _ratio(noop_post.get("server_cpu_us_per_request"), issue.get("server_cpu_us_per_request"))
    at_load = [{"offered_tickets_per_s": rate, "clients": clients, "counters_calling": len(calling),
                "achieved_rps": r["throughput_rps"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
                "p99_ok": r["p99_ms"] <= P99_MS_MAX} for rate, r in zip(paced, paced_runs)]
    return {
        "bench": "server", "cpus": os.cpu_count(), "server": "uvicorn, 1 worker, SQLite WAL",
        "sync": sync,
        "clients": clients, "counters": len(calling), "seconds_per_phase": seconds,
        "noop": noop, "noop_post": noop_post, "slice_seconds": slice_, "rounds": rounds,
        "issue_paced_with_counters": paced_runs, "issue": issue, "issue_with_counters": mixed,
        "issue_random_keys": issue_random,
        "ratio_issue_over_noop_post": ratio, "ratio_issue_over_noop": ratio_get,
        "server_cpu_ratio_noop_post_over_issue": cpu_ratio,
        "tickets_in_db": tickets,
        "targets": {
            "ratio_min": RATIO_MIN, "p99_ms_max": P99_MS_MAX,
            "ratio_closed_loop": {"issue_over_noop_post": ratio, "issue_over_noop_get": ratio_get,
                                  "per_round": per_round,
                                  "per_round_median": sorted(per_round)[len(per_round) // 2] if per_round else None,
                                  "random_keys_issue_over_noop_post": ratio_random,
                                  "server_cpu_noop_post_over_issue": cpu_ratio,
                                  "ok": bool(ratio and ratio >= RATIO_MIN)},
            "p99_at_offered_load": at_load,
            "p99_ok_at_offered_load": all(x["p99_ok"] for x in at_load) if at_load else None,
            "p99_closed_loop": {"issue_p99_ms": issue["p99_ms"], "ok": issue["p99_ms"] <= P99_MS_MAX,
                                "little_mean_ms": round(clients / issue["throughput_rps"] * 1000, 1)
                                if issue["throughput_rps"] else None},
            "note": ("ratio: closed loop, tickets (the kiosk's time-ordered Idempotency-Keys) vs the POST "
                     "no-op with the ticket endpoint's auth, body and headers, taken in turns of "
                     "slice_seconds for the same time; random_keys: tickets with UUID4 keys; p99: judged at the offered "
                     "loads, since a closed loop's latency is clients / throughput (Little's law)"),
        },
    }


RATIO_MIN, P99_MS_MAX = 0.7, 20.0


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def _mean(*runs: dict, key: str) -> float | None:
    values = [r.get(key) for r in runs]
    return sum(values) / len(values) if all(v is not None for v in values) else None


def _count(db_path: Path) -> int:
    import sqlite3
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]


def _officers(live, counters: list[str]) -> dict[str, str]:
    """A signed-up officer for each calling counter (made in the database before the start)."""
    from queue_server.auth.accounts import add_user
    from queue_server.cli.serve import open_store
    store = open_store(live.db_path)
    try:
        names = {k: f"bench-officer-{k}" for k in counters}
        for name in names.values():
            add_user(store, name, "officer", live.password)
    finally:
        store.close()
    return names


def _login(live, name: str) -> str:
    import httpx
    r = httpx.post(live.base_url + "/api/v1/auth/login", json={"username": name, "password": live.password},
                   timeout=30)
    r.raise_for_status()
    return r.json()["token"]
