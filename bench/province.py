"""`motcua bench province`: N sites × a simulated day shipped into a real PostgreSQL.

1. A throw-away PostgreSQL cluster (bench/postgres.py) and a real `motcua province serve`.
2. Site databases with the real schema and a simulated day each (tickets with their
   issued/called/started/finished or no-show events, ratings for some), written straight
   into SQLite (the bench measures shipping, not issuing: `motcua bench server` does that).
3. The real shipper (queue_server/shipping) ships every site over HTTP, `--parallel` at a
   time; then one site is shipped a second time from cursor 0 (a resend of everything).
4. Counted on both ends: `lost` and `duplicated` rows; a cross-site aggregate (tickets and
   mean wait per site over a month) timed; one more site's whole day shipped after a
   simulated 24-hour WAN cut (a cut proxy, restored) timed as `catch_up_s`.
JSON on stdout, progress on stderr.
"""
from __future__ import annotations

import argparse
import json
import queue
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from bench.live_province import LiveProvince
from bench.postgres import TempPostgres
from bench.tcp_proxy import TcpProxy
from queue_server.app import MIGRATIONS
from queue_server.clock import utc_now
from queue_server.config import load_site
from queue_server.province.keys import add_key
from queue_server.shipping.config import ProvinceLink
from queue_server.shipping.shipper import Shipper, save_cursor
from queue_server.shipping.tables import zero_cursor
from queue_server.store import Store

DAY = "2026-11-23"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
TEMPLATES = 6  # distinct simulated days, copied to every site (ids are per site anyway)
COUNTED = ("tickets", "ticket_events", "ratings")
CROSS_SITE_SQL = """
SELECT site, count(*) AS tickets,
       avg(called_ts - arrived_ts) / 60 AS mean_wait_min,
       avg(finished_ts - started_ts) FILTER (WHERE state = 'done') / 60 AS mean_service_min
FROM tickets WHERE day >= %s AND day <= %s GROUP BY site ORDER BY site
"""


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def simulate_day(path: Path, tickets: int, seed: int) -> None:
    """One site's day: arrivals 07:30–16:30 bunched at opening, waits, services, ratings."""
    Store(path, MIGRATIONS).close()
    site = load_site()
    services = list(site.services.values())
    counters = list(site.counters)
    rnd = random.Random(seed)
    opening = datetime.fromisoformat(f"{DAY}T07:30:00").replace(tzinfo=VN).timestamp()
    seqs: dict[str, int] = {}
    t_rows, e_rows, r_rows = [], [], []
    for tid in range(1, tickets + 1):
        svc = rnd.choices(services, weights=[5 if i < 3 else 1 for i in range(len(services))])[0]
        seqs[svc.code] = seq = seqs.get(svc.code, 0) + 1
        arrived = opening + (rnd.random() ** 1.6) * 9 * 3600
        called = arrived + rnd.expovariate(1 / 900)
        counter = rnd.choice(counters)
        no_show = rnd.random() < 0.05
        started = None if no_show else called + rnd.uniform(20, 90)
        finished = None if no_show else started + rnd.uniform(180, 600)
        state = "no_show" if no_show else "done"
        t_rows.append((tid, DAY, svc.code, seq, f"{svc.letter}{seq:03d}", None, None, None, "kiosk", state,
                       arrived, arrived, called, started, finished, counter, 0, None, None, "device:kiosk-1"))
        steps = [("issued", arrived, None, "device:kiosk-1"), ("called", called, counter, "staff:officer1")]
        steps += [("no_show", called + 300, counter, "staff:officer1")] if no_show else \
            [("started", started, counter, "staff:officer1"), ("finished", finished, counter, "staff:officer1")]
        e_rows += [(tid, ts, type_, ctr, actor, None) for type_, ts, ctr, actor in steps]
        if not no_show and rnd.random() < 0.3:
            level = rnd.choices(("very_satisfied", "satisfied", "dissatisfied"), (6, 3, 1))[0]
            r_rows.append((len(r_rows) + 1, tid, DAY, f"{svc.letter}{seq:03d}", counter, svc.code, "officer1",
                           level, "reason_wait" if level == "dissatisfied" else None, "rating-1", finished + 20))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO tickets VALUES ({', '.join('?' * 20)})", t_rows)
    # a real log's ids follow time: number the day's events in time order
    conn.executemany("INSERT INTO ticket_events VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(n, *row) for n, row in enumerate(sorted(e_rows, key=lambda r: r[1]), 1)])
    conn.executemany(f"INSERT INTO ratings VALUES ({', '.join('?' * 11)})", r_rows)
    conn.execute("COMMIT")
    conn.close()


def site_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
    finally:
        conn.close()


def ship_until_done(shipper: Shipper, deadline: float) -> None:
    while time.monotonic() < deadline:
        wait = shipper.step()
        if shipper.status["state"] == "idle":
            return
        if wait:
            time.sleep(wait)
    raise TimeoutError("site not shipped in time")


def make_shipper(path: Path, url: str, name: str, key: str, batch: int, backoff: float = 2.0) -> Shipper:
    store = Store(path)
    return Shipper(store, ProvinceLink(url, name, key, batch, 0.1, backoff))


def run(sites: int, tickets: int, parallel: int, batch: int, inflight: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="motcua-bench-province-"))
    pg = TempPostgres().start()
    province = None
    try:
        dsn = pg.create_database("province")
        province = LiveProvince(work / "province", dsn, max_inflight=inflight).start()
        names = [f"site-{n:03d}" for n in range(sites)]
        with psycopg.connect(dsn, autocommit=True) as conn:
            keys = {name: add_key(conn, name, "site", utc_now().timestamp()) for name in [*names, "catch-up"]}

        t0 = time.monotonic()
        templates = []
        for n in range(min(TEMPLATES, sites)):
            path = work / f"template-{n}.sqlite"
            simulate_day(path, tickets, seed=n)
            templates.append(path)
        paths = {}
        for n, name in enumerate(names):
            paths[name] = work / "sites" / f"{name}.sqlite"
            paths[name].parent.mkdir(exist_ok=True)
            shutil.copyfile(templates[n % len(templates)], paths[name])
        expected = {t: sum(site_counts(templates[n % len(templates)])[t] for n in range(sites)) for t in COUNTED}
        say(f"bench province: {sites} sites × {tickets} tickets simulated in {time.monotonic() - t0:.1f} s; "
            f"{expected['ticket_events']} events, {expected['ratings']} ratings to ship")

        todo: queue.SimpleQueue = queue.SimpleQueue()
        for name in names:
            todo.put(name)
        done: list[str] = []
        errors: list[str] = []
        start = time.monotonic()
        deadline = start + 1800

        def worker() -> None:
            while True:
                try:
                    name = todo.get_nowait()
                except queue.Empty:
                    return
                shipper = make_shipper(paths[name], province.base_url, name, keys[name], batch)
                try:
                    ship_until_done(shipper, deadline)
                    done.append(name)
                except Exception as exc:  # reported, counted as lost below
                    errors.append(f"{name}: {exc}")
                finally:
                    shipper.client.close()
                    shipper.store.close()

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(parallel)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            time.sleep(2)
            elapsed = time.monotonic() - start
            say(f"  {len(done)}/{sites} sites shipped, {elapsed:.0f} s")
        seconds = time.monotonic() - start

        # a resend of everything one site has (as after a lost cursor): must add nothing
        again = make_shipper(paths[names[0]], province.base_url, names[0], keys[names[0]], batch)
        save_cursor(again.store, zero_cursor(), utc_now().timestamp())
        again._synced = True  # do not take the province's cursor: really send it all again
        ship_until_done(again, time.monotonic() + 600)
        again.client.close()
        again.store.close()

        # one site after a 24-hour WAN cut: its whole day waiting behind a cut link
        catch_path = work / "sites" / "catch-up.sqlite"
        shutil.copyfile(templates[0], catch_path)
        proxy = TcpProxy(("127.0.0.1", province.port)).start()
        proxy.cut()
        late = make_shipper(catch_path, proxy.url, "catch-up", keys["catch-up"], batch, backoff=0.2)
        for _ in range(3):
            late.step()  # refused by the cut link: the shipper backs off
        assert late.status["state"] == "retrying", late.status
        proxy.restore()
        t_catch = time.monotonic()
        ship_until_done(late, time.monotonic() + 600)
        catch_up_s = time.monotonic() - t_catch
        late.client.close()
        late.store.close()
        proxy.close()
        say(f"  catch-up of one site's day after a 24 h cut: {catch_up_s:.2f} s")

        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("ANALYZE")
            got = {t: conn.execute(f"SELECT count(*) FROM {t} WHERE site <> 'catch-up'").fetchone()[0]
                   for t in COUNTED}
            distinct = conn.execute("SELECT count(DISTINCT (site, id)) FROM ticket_events "
                                    "WHERE site <> 'catch-up'").fetchone()[0]
            month = (DAY[:8] + "01", DAY[:8] + "31")
            timings, rows = [], []
            for _ in range(4):
                t = time.perf_counter()
                rows = conn.execute(CROSS_SITE_SQL, month).fetchall()
                timings.append((time.perf_counter() - t) * 1000)
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        lost = sum(max(0, expected[t] - got[t]) for t in COUNTED)
        duplicated = sum(max(0, got[t] - expected[t]) for t in COUNTED) + (got["ticket_events"] - distinct)
        return {
            "sites": sites, "tickets": expected["tickets"], "events": expected["ticket_events"],
            "ratings": expected["ratings"], "seconds": round(seconds, 1),
            "events_per_s": round(expected["ticket_events"] / seconds),
            "rows_per_s": round(sum(expected.values()) / seconds),
            "lost": lost, "duplicated": duplicated,
            "cross_site_query_ms": round(statistics.median(timings[1:]), 1),
            "cross_site_query_first_ms": round(timings[0], 1), "cross_site_rows": len(rows),
            "catch_up_s": round(catch_up_s, 2), "catch_up_events": site_counts(templates[0])["ticket_events"],
            "postgres_mb": round(size / 1e6, 1),
            "parallel_shippers": parallel, "batch_size": batch, "province_inflight": inflight,
            "errors": errors[:5],
        }
    finally:
        if province:
            province.stop()
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


def bench_province(args: argparse.Namespace) -> int:
    result = run(args.sites, args.tickets, args.parallel, args.batch_size, args.inflight)
    print(json.dumps(result, indent=2))
    return 0 if not result["lost"] and not result["duplicated"] else 1


def register(bench: argparse._SubParsersAction) -> None:
    p = bench.add_parser("province", help="N sites × a simulated day shipped into PostgreSQL (JSON)")
    p.add_argument("--sites", type=int, default=170)
    p.add_argument("--tickets", type=int, default=2000, help="tickets per site for the day")
    p.add_argument("--parallel", type=int, default=8, help="sites shipping at the same time")
    p.add_argument("--batch-size", type=int, default=1000, help="rows per log per request")
    p.add_argument("--inflight", type=int, default=4, help="batches the province applies at once")
    p.set_defaults(func=bench_province)
