"""Queue figures over a date range, broken down by one dimension.

Plain SQL over any DB-API connection (SQLite here, PostgreSQL for a province store):
standard window functions, CASE, integer division; no SQLite-only functions. Local
days and hours are stored in the facts, and time ranges are passed as timestamps
computed in Python, so no query needs a time-zone function.

Means and maxima are exact (minutes, rounded to 0.01). Percentiles are nearest-rank over
durations truncated to whole minutes (the daily histograms' unit): p of n sorted values is
the one at rank ⌈p·n/100⌉ (p50 of 4 values is the 2nd), so they are exact to the minute.
Past days are read from the daily roll-ups (rollup.py), days still changing from the facts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.reports.stats.rollup import COUNT_COLS, METRICS, ROLLED, SUM_EXPRS, group_by, plan

DIMENSIONS = ("service", "counter", "officer", "priority", "channel", "hour", "day")
COUNTS = ("issued", "transferred_in", "served", "no_show", "cancelled", "transferred", "recalls")
LEVELS = ("very_satisfied", "satisfied", "dissatisfied")
FIGURES = (*COUNTS, "wait_mean_min", "wait_p50_min", "wait_p90_min", "wait_max_min", "service_mean_min",
           "service_p90_min", *(f"rated_{lv}" for lv in LEVELS))
TOTAL = "*"
#: the province also breaks figures down by site (its facts have a `site` column)
PROVINCE_DIMENSIONS = (*DIMENSIONS, "site")
KEYS = {**ROLLED, "site": "site"}


class Sql:
    """A connection and its parameter style: queries are written with `?`.

    The same queries serve a site box (SQLite, no `site` column) and the province
    (PostgreSQL, every table with a `site` column, roll-ups too): `sites=True` says the
    tables carry a `site` column, `site` narrows every read to one site, `rollups=False`
    reads every day from the facts (the direct computation the roll-ups are checked
    against), `dossier_facts=True` reads the 766 figures from the per-dossier facts
    (dossier_facts.py) instead of replaying every dossier's events."""

    def __init__(self, conn: Any, paramstyle: str = "qmark", *, sites: bool = False, site: str | None = None,
                 rollups: bool = True, dossier_facts: bool = False):
        self.conn, self.format = conn, paramstyle in ("format", "pyformat")
        self.sites, self.site, self.rollups, self.dossier_facts = sites, site, rollups, dossier_facts

    def scope(self) -> tuple[str, list]:
        """The condition (with its parameters) that keeps a read to the chosen site, if any."""
        return (" AND site = ?", [self.site]) if self.site is not None else ("", [])

    @property
    def site_key(self) -> str:
        """An expression naming a row's site ('' on a site box, where there is one)."""
        return "site" if self.sites else "''"

    def rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        cur = self.conn.cursor()
        try:
            cur.execute(self._native(sql), tuple(params))
            return list(cur.fetchall())
        finally:
            cur.close()

    def execute(self, sql: str, params: tuple | list = ()) -> None:
        """A write (the province's roll-ups, in the caller's transaction)."""
        cur = self.conn.cursor()
        try:
            cur.execute(self._native(sql), tuple(params))
        finally:
            cur.close()

    def _native(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s") if self.format else sql


def day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[float, float]:
    """[local midnight starting `first`, local midnight after `last`) as timestamps."""
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    return start.timestamp(), end.timestamp()


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


@dataclass
class _Acc:
    """Per-key sums, merged from roll-ups and live facts, and into the totals."""
    counts: dict[str, int] = field(default_factory=lambda: {c: 0 for c in COUNTS})
    waits: int = 0
    wait_sum: float = 0.0
    wait_max: float | None = None
    services: int = 0
    service_sum: float = 0.0
    rated: dict[str, int] = field(default_factory=lambda: {lv: 0 for lv in LEVELS})
    open_s: float = 0.0
    busy_s: float = 0.0

    def add(self, row: tuple) -> None:
        for c, v in zip(COUNTS, row[:7]):
            self.counts[c] += int(v or 0)
        self.waits += int(row[7] or 0)
        self.wait_sum += float(row[8] or 0)
        if row[9] is not None and (self.wait_max is None or row[9] > self.wait_max):
            self.wait_max = row[9]
        self.services += int(row[10] or 0)
        self.service_sum += float(row[11] or 0)
        for lv, v in zip(LEVELS, row[12:15]):
            self.rated[lv] += int(v or 0)
        self.open_s += float(row[15] or 0)
        self.busy_s += float(row[16] or 0)


def _in(days: list[str]) -> str:
    return ", ".join("?" * len(days))


@dataclass
class _Plan:
    weeks: list[str]
    days: list[str]
    live: list[str]

    def rolled(self) -> list[tuple[str, list[str]]]:
        return [(unit, days) for unit, days in (("w", self.weeks), ("d", self.days)) if days]


def _plan(sql: Sql, first: date, last: date, by: str) -> _Plan:
    if not sql.rollups:  # every day read from the facts as they are
        n = (last - first).days + 1
        return _Plan([], [], [(first + timedelta(days=i)).isoformat() for i in range(n)])
    scope, params = sql.scope()
    span = (first.isoformat(), last.isoformat(), *params)
    # at the province a day still changing at any site in scope is read live for all of them
    dirty = {r[0] for r in sql.rows(f"SELECT DISTINCT day FROM stats_dirty WHERE day >= ? AND day <= ?{scope}", span)}
    weeks = {r[0] for r in sql.rows(
        f"SELECT DISTINCT monday FROM stats_dirty_weeks WHERE monday >= ? AND monday <= ?{scope}", span)}
    w, d, live = plan(first, last, dirty, weeks)
    if by == "day":  # week rows carry no per-day keys
        d, w = sorted(d + [(date.fromisoformat(m) + timedelta(days=i)).isoformat() for m in w for i in range(7)]), []
    return _Plan(w, d, live)


def _sources(sql: Sql, p: _Plan, rolled: str, live: str, head: tuple) -> tuple[str, list]:
    """UNION ALL of the roll-up units and the live facts, each a SELECT filled with its day list
    and the site condition, if any. `head[0]` is the dimension: by site (the province), the
    roll-ups' all-tickets rows ('*') keyed by their site column."""
    parts, params = [], []
    scope, scope_params = sql.scope()
    by_site = head[0] == "site"
    head = ("*", *head[1:]) if by_site else head
    for unit, days in p.rolled():
        parts.append(rolled.format(days=_in(days), scope=scope, k="site AS k" if by_site else "k"))
        params += [*head, unit, *days, *scope_params]
    if p.live:
        parts.append(live.format(days=_in(p.live), scope=scope))
        params += [*p.live, *scope_params]
    return " UNION ALL ".join(parts), params


def _counts(sql: Sql, dim: str, p: _Plan) -> dict[str, _Acc]:
    """Sums per key: roll-ups for settled weeks and days, the facts for days still changing (one query)."""
    cols = ", ".join(COUNT_COLS)
    site = ("site",) if sql.sites else ()
    named = ", ".join(f"{e} AS {c}" for e, c in zip(SUM_EXPRS, COUNT_COLS))
    union, params = _sources(
        sql, p, f"SELECT {{k}}, {cols} FROM stats_day_counts WHERE dim = ? AND unit = ? AND day IN ({{days}}){{scope}}",
        f"SELECT {KEYS[dim]} AS k, {named} FROM stats_ticket_facts WHERE day IN ({{days}}){{scope}} "
        f"GROUP BY {group_by('day', *site, KEYS[dim])}", (dim,))  # per day (and site), as the roll-ups:
    # a counter's open span is its own site's
    acc: dict[str, _Acc] = {}
    if not union:
        return acc
    sums = ", ".join(f"MAX({c})" if c == "wait_max" else f"SUM({c})" for c in COUNT_COLS)
    for row in sql.rows(f"SELECT k, {sums} FROM ({union}) u GROUP BY k", params):
        acc.setdefault(row[0], _Acc()).add(row[1:])
    return acc


def percentiles_sql(histogram: str) -> str:
    """p50 and p90 per key from a (k, minute, n) histogram, nearest rank, in SQL (window sums)."""
    # rank ⌈p·n/100⌉ ≤ cum  ⇔  100·cum ≥ p·n: no division, so integer and numeric sums agree
    return ("SELECT k, MIN(CASE WHEN 100 * cum >= 50 * total THEN minute END), "
            "MIN(CASE WHEN 100 * cum >= 90 * total THEN minute END) FROM ("
            "SELECT k, minute, SUM(n) OVER (PARTITION BY k ORDER BY minute) AS cum, "
            "SUM(n) OVER (PARTITION BY k) AS total FROM ("
            f"SELECT k, minute, SUM(n) AS n FROM ({histogram}) h GROUP BY k, minute) g) c GROUP BY k")


def _percentiles(sql: Sql, dim: str, p: _Plan) -> dict[tuple, tuple]:
    """{(metric, key): (p50, p90)} for the dimension's keys and for all tickets ('*'): the merging and
    ranking run in SQL, so the Python side (and its lock) handles a few rows per key."""
    out: dict[tuple, tuple] = {}
    for d in (dim, "*"):
        expr = KEYS[d]
        for metric, col in METRICS.items():
            union, params = _sources(
                sql, p, "SELECT {k}, minute, n FROM stats_day_hist WHERE dim = ? AND metric = ? AND unit = ? "
                   "AND day IN ({days}){scope}",
                f"SELECT {expr} AS k, {col} AS minute, 1 AS n FROM stats_ticket_facts WHERE day IN ({{days}}) "
                f"AND {col} IS NOT NULL{{scope}}", (d, metric))
            if not union:
                continue
            for k, p50, p90 in sql.rows(percentiles_sql(union), params):
                out[(metric, TOTAL if d == "*" else k)] = (p50, p90)
    return out


def _pct(found: tuple | None, i: int) -> float | None:
    return None if found is None or found[i] is None else float(found[i])


def breakdown(sql: Sql, first: date, last: date, by: str) -> dict[str, Any]:
    """{"rows": [...], "totals": {...}} for tickets issued on local days first..last."""
    p = _plan(sql, first, last, by)
    acc = _counts(sql, by, p)
    pct = _percentiles(sql, by, p)
    total = _Acc()
    for a in acc.values():
        total.add((*(a.counts[c] for c in COUNTS), a.waits, a.wait_sum, a.wait_max, a.services, a.service_sum,
                   *(a.rated[lv] for lv in LEVELS), a.open_s, a.busy_s))

    def figures(key: Any, a: _Acc) -> dict[str, Any]:
        return {**a.counts,
                "wait_mean_min": _minutes(a.wait_sum / a.waits) if a.waits else None,
                "wait_p50_min": _pct(pct.get(("w", key)), 0), "wait_p90_min": _pct(pct.get(("w", key)), 1),
                "wait_max_min": _minutes(a.wait_max),
                "service_mean_min": _minutes(a.service_sum / a.services) if a.services else None,
                "service_p90_min": _pct(pct.get(("s", key)), 1),
                **{f"rated_{lv}": a.rated[lv] for lv in LEVELS}}

    cast = int if by == "hour" else str
    rows = [{"key": cast(k), **figures(k, a)} for k, a in acc.items()]
    if by == "counter":  # open from the day's first call to its last end; idle = open − busy
        for r, a in zip(rows, acc.values()):
            r["open_min"], r["idle_min"] = _minutes(a.open_s), _minutes(max(a.open_s - a.busy_s, 0.0))
    if by == "hour":
        served_at = {int(k): a.services for k, a in _counts(sql, "finish_hour", p).items() if k is not None}
        for h in set(served_at) - {r["key"] for r in rows}:
            rows.append({"key": h, **figures(str(h), _Acc())})
        for r in rows:
            r["served_at_hour"] = served_at.get(r["key"], 0)
    rows.sort(key=lambda r: r["key"])
    return {"rows": rows, "totals": figures(TOTAL, total)}


def served_and_dissatisfied(sql: Sql, first: date, last: date) -> tuple[int, int]:
    """The totals the satisfaction indicator needs (as `breakdown`'s totals), in one query."""
    total = _counts(sql, TOTAL, _plan(sql, first, last, TOTAL)).get(TOTAL, _Acc())
    return total.counts["served"], total.rated["dissatisfied"]


def rating_reasons(sql: Sql, first: date, last: date) -> list[dict[str, Any]]:
    """Reasons given with ratings of the range, most frequent first."""
    scope, params = sql.scope()
    return [{"level": lv, "reason": reason, "count": int(n)} for lv, reason, n in sql.rows(
        "SELECT level, reason, COUNT(*) AS n FROM ratings WHERE day >= ? AND day <= ? AND reason IS NOT NULL "
        f"AND reason <> ''{scope} GROUP BY level, reason ORDER BY n DESC, level, reason",
        (first.isoformat(), last.isoformat(), *params))]


def results(sql: Sql, first: date, last: date, tz: ZoneInfo) -> dict[str, int]:
    """Results in lockers: deposited, collected, became overdue, returned to the counter in the range."""
    lo, hi = day_bounds(first, last, tz)
    cols = ("deposited_ts", "collected_ts", "return_due_ts", "returned_ts")
    sums = ", ".join(f"SUM(CASE WHEN {c} >= ? AND {c} < ? THEN 1 ELSE 0 END)" for c in cols)
    scope, params = sql.scope()
    row = sql.rows(f"SELECT {sums} FROM locker_parcels WHERE 1 = 1{scope}", (*((lo, hi) * len(cols)), *params))[0]
    return dict(zip(("deposited", "collected", "overdue", "returned"), (int(x or 0) for x in row)))
