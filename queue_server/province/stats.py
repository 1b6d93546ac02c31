"""The statistics at the province: the site's own code (queue_server/reports/stats) over PostgreSQL.

- Facts: each site's per-ticket facts (`stats.facts.facts_for`) and per-dossier facts
  (`stats.dossier_facts.facts_for`) are derived from the mirrored tables, per site from a
  watermark up to the cursor it has shipped to, by the background worker (worker.py) as
  shipments arrive, never inside a request.
- Roll-ups: the site box's daily and weekly roll-ups (`stats.rollup.roll_day/roll_week`, the
  same statements) with a `site` column, rolled per site once a day is over.
- Figures: `stats.routes.stats_answer` / `indicators_answer` over a `Sql` that knows the
  tables carry a `site` column: past days from the roll-ups, days still changing from the
  facts, the 766 on-time figures as one aggregate over dossiers ⋈ their facts. The month's
  766 indicators of 170 sites × 2,000 tickets/day answer in ~190 ms (docs/benchmarks.md);
  `direct=True` reads every ticket and replays every dossier instead (what the roll-ups are
  checked against, tests/province/test_rollups.py). Answers say how fresh they are (`freshness`).
"""
from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from queue_server.clock import iso_local
from queue_server.reports.stats import dossier_facts, facts
from queue_server.reports.stats.indicators import StatsRules, on_time_by_site
from queue_server.reports.stats.queries import Sql, breakdown
from queue_server.reports.stats.rollup import monday, roll_day, roll_week

LOCK_ID = 7_316_005  # advisory lock space: one refresh or roll of a site's figures at a time
LOGS = ("ticket_events", "ratings", "dossier_events")
_UPSERT = (f"INSERT INTO stats_ticket_facts (site, {', '.join(facts.COLUMNS)}) "
           f"VALUES ({', '.join(['%s'] * (len(facts.COLUMNS) + 1))}) ON CONFLICT (site, ticket_id) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in facts.COLUMNS[1:]))
_UPSERT_DOSSIERS = (
    f"INSERT INTO stats_dossier_facts (site, {', '.join(dossier_facts.COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * (len(dossier_facts.COLUMNS) + 1))}) ON CONFLICT (site, code) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in dossier_facts.COLUMNS[1:]))
#: the province's rules until it configures its own (the national defaults, as a site's)
RULES = StatsRules()


def province_sql(conn: psycopg.Connection, site: str | None = None, direct: bool = False) -> Sql:
    return Sql(conn, "format", sites=True, site=site, rollups=not direct, dossier_facts=not direct)


def behind_sites(conn: psycopg.Connection, site: str | None = None) -> dict[str, int]:
    """Shipped rows not yet in the figures, per site (sites caught up are left out)."""
    where, params = (" WHERE site = %s", (site,)) if site else ("", ())
    marks = {(s, n): v for s, n, v in conn.execute(
        f"SELECT site, name, last_id FROM stats_watermark{where}", params)}
    out = {}
    for name, cursor in conn.execute(f'SELECT site, "cursor" FROM sites{where}', params):
        rows = sum(max(0, int(cursor.get(log, 0)) - marks.get((name, log), 0)) for log in LOGS)
        if rows:
            out[name] = rows
    return out


def refresh(conn: psycopg.Connection, tz: ZoneInfo, now_ts: float) -> int:
    """Bring every site's facts up to what it has shipped; returns the tickets and dossiers (re)derived."""
    return sum(refresh_site(conn, site, tz, now_ts) for site in sorted(behind_sites(conn)))


def refresh_site(conn: psycopg.Connection, site: str, tz: ZoneInfo, now_ts: float) -> int:
    """One site's catch-up in one transaction: the facts of its changed tickets and dossiers, the
    days they belong to marked dirty (rolled again once over), the watermarks moved."""
    sql = province_sql(conn, site)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_ID, site))
        row = conn.execute('SELECT "cursor" FROM sites WHERE site = %s', (site,)).fetchone()
        highs = {name: int(row[0].get(name, 0)) for name in LOGS}
        marks = {name: 0 for name in LOGS}
        marks.update({n: v for n, v in conn.execute(
            "SELECT name, last_id FROM stats_watermark WHERE site = %s", (site,))})
        if all(highs[n] <= marks[n] for n in LOGS):
            return 0
        ids = facts.changed_tickets(sql, marks, highs)
        codes = dossier_facts.changed_dossiers(sql, marks["dossier_events"], highs["dossier_events"])
        days: set[str] = set()
        with conn.cursor() as cur:
            for chunk in facts.chunks(ids, facts.BATCH):
                rows = facts.facts_for(sql, chunk, tz)
                days.update(r[1] for r in rows)
                cur.executemany(_UPSERT, [(site, *r) for r in rows])
            for chunk in facts.chunks(codes, facts.BATCH):
                cur.executemany(_UPSERT_DOSSIERS, [(site, *r) for r in dossier_facts.facts_for(
                    sql, chunk, tz, highs["dossier_events"])])
            cur.executemany("INSERT INTO stats_dirty (site, day) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                            [(site, d) for d in sorted(days)])
            cur.executemany("INSERT INTO stats_watermark (site, name, last_id) VALUES (%s, %s, %s) "
                            "ON CONFLICT (site, name) DO UPDATE SET last_id = excluded.last_id",
                            [(site, n, v) for n, v in highs.items()])
            cur.execute("INSERT INTO stats_derived (site, ts) VALUES (%s, %s) "
                        "ON CONFLICT (site) DO UPDATE SET ts = excluded.ts", (site, now_ts))
        return len(ids) + len(codes)


def roll_past(conn: psycopg.Connection, today: str) -> int:
    """Roll every site's dirty days before `today` (one transaction per site and day, under the
    site's lock), then each site's weeks that are over and whose days are all rolled."""
    tx = Sql(conn, "format")
    days = conn.execute("SELECT site, day FROM stats_dirty WHERE day < %s ORDER BY day, site", (today,)).fetchall()
    for site, day in days:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_ID, site))
            if conn.execute("SELECT 1 FROM stats_dirty WHERE site = %s AND day = %s", (site, day)).fetchone():
                roll_day(tx, day, site)
    for site, first in conn.execute("SELECT site, monday FROM stats_dirty_weeks WHERE monday < %s ORDER BY monday",
                                    (monday(today),)).fetchall():
        last = date.fromisoformat(first).toordinal() + 6
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_ID, site))
            if conn.execute("SELECT 1 FROM stats_dirty WHERE site = %s AND day >= %s AND day <= %s",
                            (site, first, date.fromordinal(last).isoformat())).fetchone() is None:
                roll_week(tx, first, site)
    return len(days)


def freshness(conn: psycopg.Connection, site: str | None, now_ts: float) -> dict[str, Any]:
    """How current the figures are: `up_to_date`, or the sites whose shipped rows are not all in them
    yet (`behind`: rows waiting, and `as_of`, when that site's figures were last complete)."""
    behind = behind_sites(conn, site)
    if not behind:
        return {"up_to_date": True, "as_of": iso_local(now_ts), "behind": []}
    derived = dict(conn.execute("SELECT site, ts FROM stats_derived WHERE site = ANY(%s)", (list(behind),)))
    rows = [{"site": s, "rows": n, "as_of": iso_local(derived.get(s))} for s, n in sorted(behind.items())]
    known = [derived[s] for s in behind if s in derived]
    return {"up_to_date": False, "as_of": iso_local(min(known)) if len(known) == len(behind) else None,
            "behind": rows}


def ranking_figures(conn: psycopg.Connection, tz: ZoneInfo, first: date, last: date) -> dict[str, dict[str, Any]]:
    """Per site over first..last: on-time rate (766), satisfaction (766), mean wait — what sites are ranked by."""
    sql = province_sql(conn)
    by_site = breakdown(sql, first, last, "site")["rows"]
    on_time = on_time_by_site(sql, tz, first, last, RULES)
    out: dict[str, dict[str, Any]] = {}
    for r in by_site:
        served = r["served"]
        out[r["key"]] = {"satisfaction": round(100 * (served - r["rated_dissatisfied"]) / served, 2) if served else None,
                         "mean_wait_min": r["wait_mean_min"], "issued_period": r["issued"]}
    for site, rate in on_time.items():
        out.setdefault(site, {})["on_time_rate"] = rate
    return out
