"""Estimated waits: people ahead × rolling service time ÷ open capacity.

The rolling service time of a service is the mean of its last N finished
tickets, pulled towards the configured typical minutes while there are few
samples (so the first ticket of the day does not swing the estimate).
"""
from __future__ import annotations

import math
from typing import Any

from .config import SiteConfig
from .ordering import Candidate, Rule

PRIOR_WEIGHT = 3  # the configured typical time counts as this many samples


def rolling_service_seconds(db: Any, site: SiteConfig, service: str) -> float:
    n = site.queue.rolling_window
    rows = db.execute(
        "SELECT finished_ts - COALESCE(started_ts, called_ts) FROM tickets "
        "WHERE service = ? AND state = 'done' AND called_ts IS NOT NULL "
        "ORDER BY id DESC LIMIT ?", (service, n)).fetchall()
    samples = [r[0] for r in rows if r[0] is not None and r[0] >= 0]
    typical = site.services[service].typical_minutes * 60
    return (sum(samples) + typical * PRIOR_WEIGHT) / (len(samples) + PRIOR_WEIGHT)


def open_counters(db: Any) -> set[str]:
    return {r[0] for r in db.execute("SELECT code FROM counters WHERE state = 'open'")}


def capacity(site: SiteConfig, open_codes: set[str], service: str) -> float:
    """Counters serving the service, each counted by the share of its time it can give it."""
    return sum(1 / len(k.services) for k in site.counters.values()
               if k.code in open_codes and service in k.services)


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
    rule = Rule.from_site(site)
    me = Candidate(ticket["id"], ticket["service"], ticket["priority"], ticket["arrived_ts"])
    mine = rule.key(me, now_ts)
    return sum(1 for c in waiting_candidates(db, ticket["day"], ticket["service"])
               if c.id != me.id and rule.key(c, now_ts) < mine)


def ticket_estimate(db: Any, site: SiteConfig, ticket: dict, now_ts: float) -> tuple[int, int | None]:
    ahead = people_ahead(db, site, ticket, now_ts)
    cap = capacity(site, open_counters(db), ticket["service"])
    return ahead, wait_minutes(ahead, rolling_service_seconds(db, site, ticket["service"]), cap)


def service_summary(db: Any, site: SiteConfig, day: str) -> dict[str, dict[str, Any]]:
    """Per service: waiting, issued today, open counters, estimated wait of a new arrival."""
    waiting = dict(db.execute("SELECT service, COUNT(*) FROM tickets WHERE state = 'waiting' "
                              "AND day = ? GROUP BY service", (day,)).fetchall())
    issued = dict(db.execute("SELECT service, last_seq FROM day_sequences WHERE day = ?",
                             (day,)).fetchall())
    opened = open_counters(db)
    out = {}
    for code in site.services:
        cap = capacity(site, opened, code)
        n = waiting.get(code, 0)
        out[code] = {
            "waiting": n, "issued_today": issued.get(code, 0),
            "open_counters": sum(1 for k in site.counters.values() if k.code in opened and code in k.services),
            "estimated_wait_min": wait_minutes(n, rolling_service_seconds(db, site, code), cap),
        }
    return out
