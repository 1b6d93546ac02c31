"""Daily roll-ups of the facts: per (dimension, key) counts and sums, and minute histograms.

A day is rolled once it is over (the current day stays live, read from the facts).
Each roll is one short write transaction over one day's facts (~1,000 rows), so the
ticket writers are never held for long. Plain SQL: the same statements run on PostgreSQL.
"""
from __future__ import annotations

from typing import Any, Callable

from queue_server.store import Store

#: dimension name in the roll-ups → facts expression (as text: one key column for all)
ROLLED = {"service": "service", "counter": "counter", "officer": "officer", "priority": "priority",
          "channel": "channel", "hour": "CAST(issue_hour AS TEXT)", "day": "day",
          "finish_hour": "CAST(finish_hour AS TEXT)", "*": "'*'"}
METRICS = {"w": "wait_m", "s": "service_m"}

SUMS = ("SUM(issued), SUM(transferred_in), SUM(served), SUM(no_show), SUM(cancelled), SUM(transferred), "
        "SUM(recalls), COUNT(wait_s), SUM(wait_s), MAX(wait_s), COUNT(service_s), SUM(service_s), "
        "SUM(CASE WHEN rating = 'very_satisfied' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN rating = 'satisfied' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN rating = 'dissatisfied' THEN 1 ELSE 0 END)")


def roll_day(tx: Any, day: str) -> None:
    """(Re)write one day's roll-up rows inside the caller's write transaction."""
    tx.execute("DELETE FROM stats_day_counts WHERE day = ?", (day,))
    tx.execute("DELETE FROM stats_day_hist WHERE day = ?", (day,))
    for dim, expr in ROLLED.items():
        tx.execute(f"INSERT INTO stats_day_counts SELECT ?, day, {expr}, {SUMS} FROM stats_ticket_facts "
                   f"WHERE day = ? GROUP BY day, {expr}", (dim, day))
        for metric, col in METRICS.items():
            tx.execute(f"INSERT INTO stats_day_hist SELECT ?, ?, day, {expr}, {col}, COUNT(*) FROM stats_ticket_facts "
                       f"WHERE day = ? AND {col} IS NOT NULL GROUP BY day, {expr}, {col}", (dim, metric, day))
    tx.execute("DELETE FROM stats_dirty WHERE day = ?", (day,))


def roll_past(store: Store, today: str, progress: Callable[[int, int], None] | None = None) -> int:
    """Roll every dirty day before `today`."""
    days = [r[0] for r in store.db.conn.execute("SELECT day FROM stats_dirty WHERE day < ? ORDER BY day", (today,))]
    for n, day in enumerate(days, 1):
        with store.write() as tx:
            if tx.execute("SELECT 1 FROM stats_dirty WHERE day = ?", (day,)).fetchone() is not None:
                roll_day(tx, day)
        if progress:
            progress(n, len(days))
    return len(days)
