"""The province overview: every site with its shipping lag and today's tickets, ranked by
its figures of the month so far (on-time rate, then satisfaction, then the shorter mean wait).

`FIGURES` are functions `(conn, sites, day, tz)` that add figures to each site dict; the
statistics' one (`month_figures`) computes them with the site box's own code
(province/stats.py); `RANK_BY` ranks by them (best first); `COLUMNS` shows them.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Callable
from zoneinfo import ZoneInfo

import psycopg

from queue_server.province.stats import ranking_figures

SILENT_SECONDS = 120  # an idle shipper says hello every 30 s (shipping/shipper.py HEARTBEAT_SECONDS)
Figure = Callable[[psycopg.Connection, list[dict[str, Any]], str, ZoneInfo], None]


def month_figures(conn: psycopg.Connection, sites: list[dict[str, Any]], day: str, tz: ZoneInfo) -> None:
    """On-time rate, satisfaction and mean wait of each site from the 1st of the month to `day`."""
    last = date.fromisoformat(day)
    figures = ranking_figures(conn, tz, last.replace(day=1), last)
    for s in sites:
        s.update({"on_time_rate": None, "satisfaction": None, "mean_wait_min": None, "issued_period": 0,
                  **figures.get(s["site"], {})})


FIGURES: list[Figure] = [month_figures]
#: (figure, descending?) in ranking order; sites missing a figure go last
RANK_BY: list[tuple[str, bool]] = [("on_time_rate", True), ("satisfaction", True), ("mean_wait_min", False)]
COLUMNS: list[tuple[str, str, str]] = [  # (figure, Vietnamese header, English header)
    ("on_time_rate", "Đúng hạn (%)", "On time (%)"), ("satisfaction", "Hài lòng (%)", "Satisfied (%)"),
    ("mean_wait_min", "Chờ TB (phút)", "Mean wait (min)"), ("issued_period", "Phiếu trong tháng", "Tickets this month")]


def overview(conn: psycopg.Connection, day: str, now_ts: float, tz: ZoneInfo) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT s.site, s.center_name, s.rows, s.batches, s.last_seen_ts, s.pending, s.oldest_pending_ts, "
        "COALESCE(t.n, 0) AS tickets_today FROM sites s "
        "LEFT JOIN (SELECT site, count(*) AS n FROM tickets WHERE day = %s GROUP BY site) t ON t.site = s.site "
        "ORDER BY s.site", (day,)).fetchall()
    sites = []
    for site, name, n_rows, batches, seen, pending, oldest, today in rows:
        sites.append({
            "site": site, "name": name or site, "rows": n_rows, "batches": batches, "tickets_today": today, "pending": pending,
            # lag: the age of the oldest row the site still had to send at its last contact
            "lag_seconds": None if seen is None else round(max(0.0, seen - oldest) if pending and oldest else 0),
            # silence: since the last batch or heartbeat (a site cut off is silent, its lag unknown)
            "last_seen_ts": seen, "silent_seconds": None if seen is None else round(max(0.0, now_ts - seen)),
            "silent": seen is None or now_ts - seen > SILENT_SECONDS,
        })
    for figure in FIGURES:
        figure(conn, sites, day, tz)
    return rank(sites)


def rank(sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for name, descending in reversed(RANK_BY):  # stable sorts: the first criterion wins
        have = [s for s in sites if s.get(name) is not None]
        missing = [s for s in sites if s.get(name) is None]
        sites = sorted(have, key=lambda s: s[name], reverse=descending) + missing
    return sites
