"""The province overview: every site with its shipping lag and today's tickets.

Hook for the statistics feature: append to `FIGURES` a function `(conn, sites, day)` that
adds figures to each site dict (e.g. "on_time_rate", "satisfaction", "mean_wait_min",
computed by the same portable SQL as on a site box — `PgQueries(conn)` from
province/portable.py reads like `store.query` — with `AND site = ?` or `GROUP BY site`); list their names in `RANK_BY` to rank sites by them
(best first), and the dashboard shows them as columns.
"""
from __future__ import annotations

from typing import Any, Callable

import psycopg

SILENT_SECONDS = 120  # an idle shipper says hello every 30 s (shipping/shipper.py HEARTBEAT_SECONDS)
Figure = Callable[[psycopg.Connection, list[dict[str, Any]], str], None]
FIGURES: list[Figure] = []
#: (figure, descending?) in ranking order; sites missing a figure go last
RANK_BY: list[tuple[str, bool]] = []
COLUMNS: list[tuple[str, str, str]] = []  # (figure, Vietnamese header, English header)


def overview(conn: psycopg.Connection, day: str, now_ts: float) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT s.site, s.rows, s.batches, s.last_seen_ts, s.pending, s.oldest_pending_ts, "
        "COALESCE(t.n, 0) AS tickets_today FROM sites s "
        "LEFT JOIN (SELECT site, count(*) AS n FROM tickets WHERE day = %s GROUP BY site) t ON t.site = s.site "
        "ORDER BY s.site", (day,)).fetchall()
    sites = []
    for site, n_rows, batches, seen, pending, oldest, today in rows:
        sites.append({
            "site": site, "rows": n_rows, "batches": batches, "tickets_today": today, "pending": pending,
            # lag: the age of the oldest row the site still had to send at its last contact
            "lag_seconds": None if seen is None else round(max(0.0, seen - oldest) if pending and oldest else 0),
            # silence: since the last batch or heartbeat (a site cut off is silent, its lag unknown)
            "last_seen_ts": seen, "silent_seconds": None if seen is None else round(max(0.0, now_ts - seen)),
            "silent": seen is None or now_ts - seen > SILENT_SECONDS,
        })
    for figure in FIGURES:
        figure(conn, sites, day)
    return rank(sites)


def rank(sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for name, descending in reversed(RANK_BY):  # stable sorts: the first criterion wins
        have = [s for s in sites if s.get(name) is not None]
        missing = [s for s in sites if s.get(name) is None]
        sites = sorted(have, key=lambda s: s[name], reverse=descending) + missing
    return sites
