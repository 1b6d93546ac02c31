"""Roll-ups of the facts: per (dimension, key) counts and sums, and minute histograms,
per day and per ISO week.

A day is rolled once it is over (the current day stays live, read from the facts); a
week is rolled from its seven rolled days. Each roll is one short write transaction
(one day's ~1,000 facts, or one week's daily rows), so the ticket writers are never held
for long. Plain SQL: the same statements run on PostgreSQL.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Callable

from queue_server.store import Store

#: dimension name in the roll-ups → facts expression (as text: one key column for all)
ROLLED = {"service": "service", "counter": "counter", "officer": "officer", "priority": "priority",
          "channel": "channel", "hour": "CAST(issue_hour AS TEXT)", "day": "day",
          "finish_hour": "CAST(finish_hour AS TEXT)", "*": "'*'"}
METRICS = {"w": "wait_m", "s": "service_m"}
NO_HIST = ("finish_hour",)  # only its served count is read

SUM_EXPRS = ("SUM(issued)", "SUM(transferred_in)", "SUM(served)", "SUM(no_show)", "SUM(cancelled)",
             "SUM(transferred)", "SUM(recalls)", "COUNT(wait_s)", "SUM(wait_s)", "MAX(wait_s)", "COUNT(service_s)",
             "SUM(service_s)", "SUM(CASE WHEN rating = 'very_satisfied' THEN 1 ELSE 0 END)",
             "SUM(CASE WHEN rating = 'satisfied' THEN 1 ELSE 0 END)",
             "SUM(CASE WHEN rating = 'dissatisfied' THEN 1 ELSE 0 END)",
             "MAX(end_ts) - MIN(call_ts)", "SUM(end_ts - call_ts)")  # per day: summed over days
SUMS = ", ".join(SUM_EXPRS)
COUNT_COLS = ("issued", "transferred_in", "served", "no_show", "cancelled", "transferred", "recalls", "waits",
              "wait_sum", "wait_max", "services", "service_sum", "very_satisfied", "satisfied", "dissatisfied",
              "open_s", "busy_s")


def group_by(*exprs: str) -> str:
    """A GROUP BY list without the literal keys (PostgreSQL refuses "GROUP BY '*'")."""
    return ", ".join(e for e in exprs if not e.startswith("'"))


def monday(day: str) -> str:
    d = date.fromisoformat(day)
    return (d - timedelta(days=d.weekday())).isoformat()


def _site(site: str | None) -> tuple[str, str, tuple]:
    """(leading key column, condition, its parameter) for one site's rows at the province, where
    every roll-up row carries a `site` column; nothing on a site box (site None)."""
    return ("CAST(? AS TEXT), ", " AND site = ?", (site,)) if site is not None else ("", "", ())


def roll_day(tx, day: str, site: str | None = None) -> None:
    """(Re)write one day's rows inside the caller's write transaction; its week must be rolled again.
    `tx.execute(sql, params)` takes `?` placeholders; `site`: that site's rows at the province."""
    col, only, p = _site(site)
    tx.execute(f"DELETE FROM stats_day_counts WHERE unit = 'd' AND day = ?{only}", (day, *p))
    tx.execute(f"DELETE FROM stats_day_hist WHERE unit = 'd' AND day = ?{only}", (day, *p))
    for dim, expr in ROLLED.items():
        tx.execute(f"INSERT INTO stats_day_counts SELECT {col}CAST(? AS TEXT), 'd', day, {expr}, {SUMS} "
                   f"FROM stats_ticket_facts WHERE day = ? AND {expr} IS NOT NULL{only} GROUP BY {group_by('day', expr)}",
                   (*p, dim, day, *p))  # a ticket not finished has no finish hour: not a key
        for metric, mcol in METRICS.items() if dim not in NO_HIST else ():
            tx.execute(f"INSERT INTO stats_day_hist SELECT {col}CAST(? AS TEXT), CAST(? AS TEXT), 'd', day, {expr}, "
                       f"{mcol}, COUNT(*) FROM stats_ticket_facts WHERE day = ? AND {mcol} IS NOT NULL AND {expr} IS NOT NULL{only} "
                       f"GROUP BY {group_by('day', expr, mcol)}", (*p, dim, metric, day, *p))
    tx.execute(f"DELETE FROM stats_dirty WHERE day = ?{only}", (day, *p))
    tx.execute(f"INSERT INTO stats_dirty_weeks ({'site, ' if site is not None else ''}monday) "
               f"VALUES ({'?, ' if site is not None else ''}?) ON CONFLICT DO NOTHING", (*p, monday(day)))


def roll_week(tx, first: str, site: str | None = None) -> None:
    """The week starting Monday `first`, from its daily rows (of one site at the province)."""
    col, only, p = _site(site)
    last = (date.fromisoformat(first) + timedelta(days=6)).isoformat()
    tx.execute(f"DELETE FROM stats_day_counts WHERE unit = 'w' AND day = ?{only}", (first, *p))
    tx.execute(f"DELETE FROM stats_day_hist WHERE unit = 'w' AND day = ?{only}", (first, *p))
    sums = ", ".join(f"MAX({c})" if c == "wait_max" else f"SUM({c})" for c in COUNT_COLS)
    keys = "site, " if site is not None else ""
    tx.execute(f"INSERT INTO stats_day_counts SELECT {keys}dim, 'w', CAST(? AS TEXT), k, {sums} "
               "FROM stats_day_counts "
               f"WHERE unit = 'd' AND day >= ? AND day <= ? AND dim <> 'day'{only} GROUP BY {keys}dim, k",
               (first, first, last, *p))
    tx.execute(f"INSERT INTO stats_day_hist SELECT {keys}dim, metric, 'w', CAST(? AS TEXT), k, minute, SUM(n) "
               "FROM stats_day_hist "
               f"WHERE unit = 'd' AND day >= ? AND day <= ? AND dim <> 'day'{only} GROUP BY {keys}dim, metric, k, minute",
               (first, first, last, *p))
    tx.execute(f"DELETE FROM stats_dirty_weeks WHERE monday = ?{only}", (first, *p))


def roll_past(store: Store, today: str, progress: Callable[[int, int], None] | None = None) -> int:
    """Roll every dirty day before `today`, then every week that is over and whose days are all rolled."""
    conn = store.db.conn
    days = [r[0] for r in conn.execute("SELECT day FROM stats_dirty WHERE day < ? ORDER BY day", (today,))]
    for n, day in enumerate(days, 1):
        with store.write() as tx:
            if tx.execute("SELECT 1 FROM stats_dirty WHERE day = ?", (day,)).fetchone() is not None:
                roll_day(tx, day)
        if progress:
            progress(n, len(days))
    this_week = monday(today)
    for (first,) in conn.execute("SELECT monday FROM stats_dirty_weeks WHERE monday < ? ORDER BY monday",
                                 (this_week,)).fetchall():
        last = (date.fromisoformat(first) + timedelta(days=6)).isoformat()
        with store.write() as tx:
            if tx.execute("SELECT 1 FROM stats_dirty WHERE day >= ? AND day <= ?", (first, last)).fetchone() is None:
                roll_week(tx, first)
    return len(days)


def plan(first: date, last: date, dirty: set[str], dirty_weeks: set[str]) -> tuple[list[str], list[str], list[str]]:
    """Split first..last into (rolled weeks by Monday, rolled days, live days)."""
    weeks, days, live = [], [], []
    d = first
    while d <= last:
        iso = d.isoformat()
        week_end = d + timedelta(days=6)
        if d.weekday() == 0 and week_end <= last and iso not in dirty_weeks and not any(
                (d + timedelta(days=i)).isoformat() in dirty for i in range(7)):
            weeks.append(iso)
            d = week_end + timedelta(days=1)
            continue
        (live if iso in dirty else days).append(iso)
        d += timedelta(days=1)
    return weeks, days, live
