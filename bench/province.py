"""`motcua bench province`: N sites × a simulated day shipped into a real PostgreSQL.

1. A throw-away PostgreSQL cluster (bench/postgres.py) and a real `motcua province serve`.
2. Site databases with the real schema and a simulated day each (tickets with their
   issued/called/started/finished or no-show events, ratings for some), written straight
   into SQLite (the bench measures shipping, not issuing: `motcua bench server` does that).
3. The real shipper (queue_server/shipping) ships every site over HTTP, `--parallel` at a
   time; then one site is shipped a second time from cursor 0 (a resend of everything).
4. Counted on both ends: `lost` and `duplicated` rows; a cross-site aggregate (tickets and
   mean wait per site over a month) timed; the first GET /api/v1/stats/indicators right after
   the shipment timed (it answers from what the province's fact worker has derived so far);
   once the worker has caught up, the month's Decision 766 indicators across all sites timed
   from the roll-ups (`cross_site_indicators_ms`, the code of that request) and directly from
   every ticket and dossier (`cross_site_indicators_direct_ms`, as before the roll-ups), with
   their ratio and whether both give the same figures; one more site's whole day shipped after a
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
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from bench.live_province import LiveProvince
from bench.postgres import TempPostgres
from bench.tcp_proxy import TcpProxy
from queue_server.app import MIGRATIONS
from queue_server.clock import service_day, utc_now
from queue_server.config import load_site
from queue_server.province.keys import add_key
from queue_server.province.stats import RULES, behind_sites, province_sql
from queue_server.shipping.config import ProvinceLink
from queue_server.shipping.shipper import Shipper, save_cursor
from queue_server.shipping.tables import zero_cursor
from queue_server.reports.stats.routes import indicators_answer
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


DOSSIER_COLS = ("code", "agency", "day", "seq", "procedure", "applicant_masked", "received_ts", "due_ts", "status",
                "status_ts", "source", "created_ts", "channel")


def simulate_dossiers(rnd: random.Random, n: int) -> tuple[list[tuple], list[tuple]]:
    """`n` dossiers received over the month up to DAY (for the 766 indicators): most done in
    3–8 days, some after a supplement request, the rest still in progress."""
    month_start = datetime.fromisoformat(f"{DAY[:8]}01T08:00:00").replace(tzinfo=VN).timestamp()
    day_end = datetime.fromisoformat(f"{DAY}T17:00:00").replace(tzinfo=VN).timestamp()
    rows, events = [], []
    for seq in range(1, n + 1):
        code = f"000.00.00.H56-{seq:06d}"
        received = rnd.uniform(month_start, day_end)
        due = received + 5 * 86400
        steps = [(received, 1, 2)]
        t = received
        if rnd.random() < 0.2:  # a supplement requested, given back a day or two later
            steps += [(t + 86400, 2, 5), (t + rnd.uniform(1, 2) * 86400, 5, 4)]
        done = received + rnd.uniform(3, 8) * 86400
        if done < day_end:
            steps.append((done, 4 if len(steps) > 1 else 2, 9))
        steps = [st for st in steps if st[0] < day_end]  # nothing after the simulated day
        status, status_ts = steps[-1][2], steps[-1][0]
        rows.append((code, "H56", datetime.fromtimestamp(received, VN).date().isoformat(), seq, "1.004227", "N***",
                     received, due, status, status_ts, "counter", received, rnd.choice((1, 2, 2, 3))))
        events += [(code, ts, frm, to) for ts, frm, to in steps]
    return rows, events


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
    d_rows, de_rows = simulate_dossiers(rnd, tickets // 4)
    conn.executemany(f"INSERT INTO dossiers ({', '.join(DOSSIER_COLS)}) VALUES ({', '.join('?' * len(DOSSIER_COLS))})",
                     d_rows)
    conn.executemany("INSERT INTO dossier_events (code, ts, type, status_from, status_to, actor) "
                     "VALUES (?, ?, 'status', ?, ?, 'staff:officer1')", sorted(de_rows, key=lambda r: r[1]))
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
            keys["viewer"] = add_key(conn, "viewer", "viewer", utc_now().timestamp())

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

        # the first statistics request right after the shipment: the province answers from what its
        # fact worker has derived so far, with how fresh that is, never deriving the backlog in the request
        month = (DAY[:8] + "01", DAY[:8] + "31")
        period = {"from": month[0], "to": DAY[:8] + "30"}
        t = time.perf_counter()
        first = province.get("/api/v1/stats/indicators", keys["viewer"], params=period)
        first_request_ms = (time.perf_counter() - t) * 1000
        first.raise_for_status()
        first_fresh = first.json()["freshness"]
        say(f"  first indicators request after the shipment: {first_request_ms:.0f} ms "
            f"({len(first_fresh['behind'])} sites still being derived)")
        t = time.perf_counter()
        with psycopg.connect(dsn, autocommit=True) as conn:
            while behind_sites(conn) or conn.execute("SELECT 1 FROM stats_dirty WHERE day < %s LIMIT 1",
                                                (service_day(utc_now(), VN),)).fetchone():
                time.sleep(0.5)
        worker_s = time.perf_counter() - t
        say(f"  the province's fact worker caught up {worker_s:.1f} s after the shipment")

        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("ANALYZE")
            got = {t: conn.execute(f"SELECT count(*) FROM {t} WHERE site <> 'catch-up'").fetchone()[0]
                   for t in COUNTED}
            distinct = conn.execute("SELECT count(DISTINCT (site, id)) FROM ticket_events "
                                    "WHERE site <> 'catch-up'").fetchone()[0]
            timings, rows = [], []
            for _ in range(4):
                t = time.perf_counter()
                rows = conn.execute(CROSS_SITE_SQL, month).fetchall()
                timings.append((time.perf_counter() - t) * 1000)
            derived = conn.execute("SELECT count(*) FROM stats_ticket_facts").fetchone()[0]
            # the month's Decision 766 indicators across every site, as GET /api/v1/stats/indicators:
            # from the roll-ups and dossier facts, and directly from every ticket and dossier (before)
            answers, ind_timings = {}, {}
            for how, direct in (("rollups", False), ("direct", True)):
                ind_timings[how] = []
                for _ in range(4):
                    t = time.perf_counter()
                    answers[how] = indicators_answer(province_sql(conn, direct=direct), VN,
                                                     date.fromisoformat(period["from"]),
                                                     date.fromisoformat(period["to"]), RULES)
                    ind_timings[how].append((time.perf_counter() - t) * 1000)
            values = {how: {i["code"]: (i["value"], i.get("numerator"), i.get("denominator"))
                            for i in ans["indicators"]} for how, ans in answers.items()}
            received = values["rollups"]["received"][0]
            new_ms, old_ms = (statistics.median(ind_timings[h][1:]) for h in ("rollups", "direct"))
            say(f"  cross-site month indicators: {new_ms:.0f} ms from the roll-ups, {old_ms:.0f} ms directly "
                f"(× {old_ms / new_ms:.1f}); same figures: {values['rollups'] == values['direct']}")
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
            "cross_site_indicators_ms": round(new_ms, 1),
            "cross_site_indicators_first_ms": round(ind_timings["rollups"][0], 1),
            "cross_site_indicators_direct_ms": round(old_ms, 1), "indicators_speedup": round(old_ms / new_ms, 1),
            "indicators_same_as_direct": values["rollups"] == values["direct"],
            "indicators_dossiers_received": received,
            "first_request_after_shipment_ms": round(first_request_ms, 1),
            "first_request_sites_behind": len(first_fresh["behind"]),
            "stats_worker_caught_up_s": round(worker_s, 1), "stats_facts_tickets": derived,
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
