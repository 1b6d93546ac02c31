"""Queue figures over a date range, broken down by one dimension.

Plain SQL over any DB-API connection (SQLite here, PostgreSQL for a province store):
standard window functions, CASE, integer division; no SQLite-only functions. Local
days and hours are stored in the facts, and time ranges are passed as timestamps
computed in Python, so no query needs a time-zone function.

Percentiles are nearest-rank: p of n sorted values is the value at rank ⌈p·n/100⌉
(p50 of 4 values is the 2nd). Durations are reported in minutes, rounded to 0.01.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DIMENSIONS = {"service": "service", "counter": "counter", "officer": "officer", "priority": "priority",
              "channel": "channel", "hour": "issue_hour", "day": "day"}
COUNTS = ("issued", "transferred_in", "served", "no_show", "cancelled", "transferred", "recalls")
LEVELS = ("very_satisfied", "satisfied", "dissatisfied")
FIGURES = (*COUNTS, "wait_mean_min", "wait_p50_min", "wait_p90_min", "wait_max_min", "service_mean_min",
           "service_p90_min", *(f"rated_{lv}" for lv in LEVELS))
TOTAL = "*"


class Sql:
    """A connection and its parameter style: queries are written with `?`."""

    def __init__(self, conn: Any, paramstyle: str = "qmark"):
        self.conn, self.format = conn, paramstyle in ("format", "pyformat")

    def rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        if self.format:
            sql = sql.replace("%", "%%").replace("?", "%s")
        cur = self.conn.cursor()
        try:
            cur.execute(sql, tuple(params))
            return list(cur.fetchall())
        finally:
            cur.close()


def day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[float, float]:
    """[local midnight starting `first`, local midnight after `last`) as timestamps."""
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    return start.timestamp(), end.timestamp()


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


@dataclass
class _Acc:
    """Per-key sums, merged into totals without a second scan."""
    counts: dict[str, int]
    waits: int = 0
    wait_sum: float = 0.0
    wait_max: float | None = None
    services: int = 0
    service_sum: float = 0.0


def _pct_sql(col: str) -> str:
    # One sort per (metric, key) partition; the '*' partition gives the totals' percentiles.
    base = "FROM stats_ticket_facts WHERE day >= ? AND day <= ? AND {v} IS NOT NULL"
    parts = [f"SELECT 'w' AS m, {col} AS k, wait_s AS v {base.format(v='wait_s')}",
             f"SELECT 'w' AS m, '{TOTAL}' AS k, wait_s AS v {base.format(v='wait_s')}",
             f"SELECT 's' AS m, {col} AS k, service_s AS v {base.format(v='service_s')}",
             f"SELECT 's' AS m, '{TOTAL}' AS k, service_s AS v {base.format(v='service_s')}"]
    if col == "issue_hour":  # keep the key column one type across the union
        parts = [p.replace("'*' AS k", "-1 AS k") for p in parts]
    return ("SELECT m, k, MAX(CASE WHEN rn = (50 * n + 99) / 100 THEN v END), "
            "MAX(CASE WHEN rn = (90 * n + 99) / 100 THEN v END) FROM ("
            "SELECT m, k, v, ROW_NUMBER() OVER (PARTITION BY m, k ORDER BY v) AS rn, "
            "COUNT(*) OVER (PARTITION BY m, k) AS n FROM (" + " UNION ALL ".join(parts) + ") u) r "
            "GROUP BY m, k")


def breakdown(sql: Sql, first: date, last: date, by: str) -> dict[str, Any]:
    """{"rows": [...], "totals": {...}} for tickets issued on local days first..last."""
    col = DIMENSIONS[by]
    span = (first.isoformat(), last.isoformat())
    acc: dict[Any, _Acc] = {}
    for row in sql.rows(
            f"SELECT {col}, SUM(issued), SUM(transferred_in), SUM(served), SUM(no_show), SUM(cancelled), "
            f"SUM(transferred), SUM(recalls), COUNT(wait_s), SUM(wait_s), MAX(wait_s), COUNT(service_s), "
            f"SUM(service_s) FROM stats_ticket_facts WHERE day >= ? AND day <= ? GROUP BY {col}", span):
        acc[row[0]] = _Acc(dict(zip(COUNTS, (int(x or 0) for x in row[1:8]))), int(row[8]), float(row[9] or 0),
                           row[10], int(row[11]), float(row[12] or 0))
    pct: dict[tuple[str, Any], tuple[float, float]] = {}
    for m, k, p50, p90 in sql.rows(_pct_sql(col), span * 4):
        pct[(m, TOTAL if (col == "issue_hour" and k == -1) else k)] = (p50, p90)
    ratings: dict[Any, dict[str, int]] = {}
    for k, level, n in sql.rows(
            f"SELECT f.{col}, r.level, COUNT(*) FROM ratings r JOIN stats_ticket_facts f ON f.ticket_id = r.ticket_id "
            f"WHERE f.day >= ? AND f.day <= ? GROUP BY f.{col}, r.level", span):
        ratings.setdefault(k, {})[level] = int(n)

    total = _Acc({c: 0 for c in COUNTS})
    total_ratings = {lv: 0 for lv in LEVELS}
    for a in acc.values():
        for c in COUNTS:
            total.counts[c] += a.counts[c]
        total.waits += a.waits
        total.wait_sum += a.wait_sum
        total.services += a.services
        total.service_sum += a.service_sum
        if a.wait_max is not None and (total.wait_max is None or a.wait_max > total.wait_max):
            total.wait_max = a.wait_max
    for r in ratings.values():
        for lv, n in r.items():
            total_ratings[lv] += n

    def figures(key: Any, a: _Acc, rated: dict[str, int]) -> dict[str, Any]:
        wp = pct.get(("w", key), (None, None))
        sp = pct.get(("s", key), (None, None))
        return {**a.counts,
                "wait_mean_min": _minutes(a.wait_sum / a.waits) if a.waits else None,
                "wait_p50_min": _minutes(wp[0]), "wait_p90_min": _minutes(wp[1]),
                "wait_max_min": _minutes(a.wait_max),
                "service_mean_min": _minutes(a.service_sum / a.services) if a.services else None,
                "service_p90_min": _minutes(sp[1]),
                **{f"rated_{lv}": rated.get(lv, 0) for lv in LEVELS}}

    rows = [{"key": k, **figures(k, a, ratings.get(k, {}))} for k, a in sorted(acc.items(), key=lambda kv: kv[0])]
    if by == "hour":
        served_at = dict(sql.rows(
            "SELECT finish_hour, COUNT(*) FROM stats_ticket_facts WHERE day >= ? AND day <= ? "
            "AND service_s IS NOT NULL GROUP BY finish_hour", span))
        keys = sorted(set(acc) | set(served_at))
        rows = [{"key": h, **figures(h, acc.get(h, _Acc({c: 0 for c in COUNTS})), ratings.get(h, {})),
                 "served_at_hour": int(served_at.get(h, 0))} for h in keys]
    return {"rows": rows, "totals": figures(TOTAL, total, total_ratings)}


def rating_reasons(sql: Sql, first: date, last: date) -> list[dict[str, Any]]:
    """Reasons given with ratings of the range, most frequent first."""
    return [{"level": lv, "reason": reason, "count": int(n)} for lv, reason, n in sql.rows(
        "SELECT level, reason, COUNT(*) AS n FROM ratings WHERE day >= ? AND day <= ? AND reason IS NOT NULL "
        "AND reason <> '' GROUP BY level, reason ORDER BY n DESC, level, reason", (first.isoformat(), last.isoformat()))]


def results(sql: Sql, first: date, last: date, tz: ZoneInfo) -> dict[str, int]:
    """Results in lockers: deposited, collected, became overdue, returned to the counter in the range."""
    lo, hi = day_bounds(first, last, tz)
    cols = ("deposited_ts", "collected_ts", "return_due_ts", "returned_ts")
    sums = ", ".join(f"SUM(CASE WHEN {c} >= ? AND {c} < ? THEN 1 ELSE 0 END)" for c in cols)
    row = sql.rows(f"SELECT {sums} FROM locker_parcels", (lo, hi) * len(cols))[0]
    return dict(zip(("deposited", "collected", "overdue", "returned"), (int(x or 0) for x in row)))
