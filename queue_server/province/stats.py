"""The statistics at the province: the site's own code (queue_server/stats) over PostgreSQL.

- Facts: each site's per-ticket facts are derived from the mirrored tickets, ticket_events
  and ratings by `stats.facts.facts_for` (one definition), catching up per site from a
  watermark up to the cursor the site has shipped to, when figures are asked for.
- Figures: `stats.routes.stats_answer` / `indicators_answer` over a `Sql` that knows the
  tables carry a `site` column (and, for one site, narrows every read to it). The province
  keeps no roll-ups: every day is read from the facts (one day of a province is ~340,000
  rows; a month of one benchmark day answers well under a second, docs/benchmarks.md).
"""
from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from queue_server.stats import facts
from queue_server.stats.indicators import StatsRules, on_time_by_site
from queue_server.stats.queries import Sql, breakdown

LOCK_ID = 7_316_005  # advisory lock space: one refresh of a site's facts at a time
LOGS = ("ticket_events", "ratings")
_UPSERT = (f"INSERT INTO stats_ticket_facts (site, {', '.join(facts.COLUMNS)}) "
           f"VALUES ({', '.join(['%s'] * (len(facts.COLUMNS) + 1))}) ON CONFLICT (site, ticket_id) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in facts.COLUMNS[1:]))
#: the province's rules until it configures its own (the national defaults, as a site's)
RULES = StatsRules()


def province_sql(conn: psycopg.Connection, site: str | None = None) -> Sql:
    return Sql(conn, "format", sites=True, site=site, rollups=False)


def refresh(conn: psycopg.Connection, tz: ZoneInfo) -> int:
    """Bring every site's facts up to what it has shipped; returns the tickets (re)derived."""
    todo = []
    shipped = {site: cursor for site, cursor in conn.execute('SELECT site, "cursor" FROM sites')}
    marks: dict[tuple[str, str], int] = {(s, n): v for s, n, v in
                                         conn.execute("SELECT site, name, last_id FROM stats_watermark")}
    for site, cursor in shipped.items():
        highs = {name: int(cursor.get(name, 0)) for name in LOGS}
        if any(highs[n] > marks.get((site, n), 0) for n in LOGS):
            todo.append(site)
    return sum(refresh_site(conn, site, tz) for site in todo)


def refresh_site(conn: psycopg.Connection, site: str, tz: ZoneInfo) -> int:
    """One site's catch-up in one transaction (two requests at once: the second waits, then finds it done)."""
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
        with conn.cursor() as cur:
            for chunk in facts.chunks(ids, facts.BATCH):
                cur.executemany(_UPSERT, [(site, *r) for r in facts.facts_for(sql, chunk, tz)])
            cur.executemany("INSERT INTO stats_watermark (site, name, last_id) VALUES (%s, %s, %s) "
                            "ON CONFLICT (site, name) DO UPDATE SET last_id = excluded.last_id",
                            [(site, n, v) for n, v in highs.items()])
        return len(ids)


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
