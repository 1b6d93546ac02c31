"""Estimated waits: people ahead × rolling service time ÷ open capacity.

The rolling service time of a service is the mean of its last N finished
tickets, pulled towards the configured typical minutes while there are few
samples (so the first ticket of the day does not swing the estimate).
"""
from __future__ import annotations

import math
from typing import Any

from queue_server.config import SiteConfig
from queue_server.memo import Memo
from queue_server.tickets.ordering import Candidate, Rule

PRIOR_WEIGHT = 3  # the configured typical time counts as this many samples


def rolling_service_seconds(db: Any, site: SiteConfig, service: str, memo: Memo | None = None) -> float:
    if memo is not None:
        return memo.get(("rolling", service), lambda: rolling_service_seconds(db, site, service))
    n = site.queue.rolling_window
    rows = db.execute(
        "SELECT finished_ts - COALESCE(started_ts, called_ts) FROM tickets "
        "WHERE service = ? AND state = 'done' AND called_ts IS NOT NULL "
        "ORDER BY id DESC LIMIT ?", (service, n)).fetchall()
    samples = [r[0] for r in rows if r[0] is not None and r[0] >= 0]
    typical = site.services[service].typical_minutes * 60
    return (sum(samples) + typical * PRIOR_WEIGHT) / (len(samples) + PRIOR_WEIGHT)


def open_counters(db: Any, memo: Memo | None = None) -> frozenset[str]:
    if memo is not None:
        return memo.get("open", lambda: open_counters(db))
    # open = not paused and someone signed in (counters/presence.py): an empty counter serves nobody
    return frozenset(r[0] for r in db.execute(
        "SELECT c.code FROM counters c JOIN counter_presence p ON p.counter = c.code WHERE c.state = 'open'"))


_CAPACITY: dict[tuple[int, str, frozenset[str]], tuple[SiteConfig, float]] = {}


def capacity(site: SiteConfig, open_codes: frozenset[str], service: str) -> float:
    """Counters serving the service, each counted by the share of its time it can give it."""
    key = (id(site), service, open_codes)  # a frozenset hashes once; the set of open counters rarely changes
    hit = _CAPACITY.get(key)
    if hit is not None and hit[0] is site:
        return hit[1]
    value = sum(1 / len(k.services) for k in site.counters.values()
                if k.code in open_codes and service in k.services)
    if len(_CAPACITY) > 4096:
        _CAPACITY.clear()
    _CAPACITY[key] = (site, value)
    return value


def wait_minutes(ahead: int, mean_s: float, cap: float) -> int | None:
    if cap <= 0:
        return None
    return math.ceil(ahead * mean_s / cap / 60)


def waiting_candidates(db: Any, day: str, service: str | None = None) -> list[Candidate]:
    sql = "SELECT id, service, priority, arrived_ts FROM tickets WHERE state = 'waiting' AND day = ?"
    params: tuple = (day,)
    if service is not None:
        sql += " AND service = ?"
        params += (service,)
    return [Candidate(*row) for row in db.execute(sql, params)]


def people_ahead(db: Any, site: SiteConfig, ticket: dict, now_ts: float) -> int:
    """Waiting tickets of the same service that an ordinary counter would call first."""
    rule = Rule.from_site(site)
    me = rule.key(Candidate(ticket["id"], ticket["service"], ticket["priority"], ticket["arrived_ts"]), now_ts)
    cols = ", ".join(f"{expr} AS k{n}" for n, expr in enumerate(rule.sql_key()))
    return db.execute(
        f"SELECT COUNT(*) FROM (SELECT {cols} FROM tickets WHERE state = 'waiting' AND day = ? "
        "AND service = ? AND id != ?) WHERE (k0, k1, k2, k3, k4) < (?, ?, ?, ?, ?)",
        (now_ts, now_ts, now_ts, now_ts, ticket["day"], ticket["service"], ticket["id"], *me)).fetchone()[0]


def ticket_estimate(db: Any, site: SiteConfig, ticket: dict, now_ts: float,
                    memo: Memo | None = None) -> tuple[int, int | None]:
    ahead = people_ahead(db, site, ticket, now_ts)
    return ahead, service_wait(db, site, ticket["service"], ahead, memo)


def service_wait(db: Any, site: SiteConfig, service: str, ahead: int, memo: Memo | None = None) -> int | None:
    cap = capacity(site, open_counters(db, memo), service)
    return wait_minutes(ahead, rolling_service_seconds(db, site, service, memo), cap)


def service_summary(db: Any, site: SiteConfig, day: str, memo: Memo | None = None) -> dict[str, dict[str, Any]]:
    """Per service: waiting, issued today, open counters, estimated wait of a new arrival."""
    rows = db.execute("SELECT service, last_seq, waiting FROM day_sequences WHERE day = ?", (day,)).fetchall()
    issued = {service: last for service, last, _ in rows}
    waiting = {service: n for service, _, n in rows}  # kept by the writers (schema m004, m006)
    opened = open_counters(db, memo)
    out = {}
    for code in site.services:
        cap = capacity(site, opened, code)
        n = waiting.get(code, 0)
        out[code] = {
            "waiting": n, "issued_today": issued.get(code, 0),
            "open_counters": sum(1 for k in site.counters.values() if k.code in opened and code in k.services),
            "estimated_wait_min": wait_minutes(n, rolling_service_seconds(db, site, code, memo), cap),
        }
    return out


def wait_range(minutes: int | None) -> tuple[int, int] | None:
    """An honest range around a point estimate: queues are noisy, a single minute is not."""
    if minutes is None:
        return None
    if minutes <= 0:
        return (0, 0)
    low = max(0, math.floor(minutes * 0.8))
    high = max(low + 1, math.ceil(minutes * 1.25 + 2))
    return (low, high)
