"""Estimated waits, from a replay of the queue on the counters actually open (forecast.py).

Inputs, all live: the waiting tickets in calling order, the counters signed in and
not paused with the services each serves, how long each counter's current visitor
still needs, and each service's recent counter occupancy (robust: a trimmed mean
of the last finished visits, visits of a few seconds ignored, pulled towards the
configured typical time while samples are few and kept within a sane band of it).
The replay is cached for a few seconds; any call, finish or sign-in/out drops it.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from queue_server.clock import service_day
from queue_server.config import SiteConfig
from queue_server.memo import Memo
from queue_server.hall.tickets.forecast import Forecast, OpenCounter, forecast, spread
from queue_server.hall.tickets.ordering import Candidate, Rule

PRIOR_WEIGHT = 3        # the configured typical time counts as this many samples
MIN_VISIT_S = 10.0      # a visit finished within seconds of its call is a slip of the finger, not a service
TRIM = 0.1              # share of the longest and of the shortest recent visits left out of the mean
BAND = (0.25, 4.0)      # the estimate stays within this factor of the configured typical time
FORECAST_TTL_S = 3.0    # a replay serves the requests of the next few seconds…
REPLAY_ALWAYS_BELOW = 300  # …unless the queue changed and is small enough to replay at once (~2 ms)
RESIDUAL_MIN = 0.3      # a visit running past its mean still needs this share of it


@dataclass(frozen=True)
class Estimate:
    ahead: int | None
    minutes: int | None
    low: int | None
    high: int | None


def rolling_service_seconds(db: Any, site: SiteConfig, service: str, memo: Memo | None = None) -> float:
    """How long a visit of this service occupies a counter, from call to finish (robust)."""
    if memo is not None:
        return memo.get(("rolling", service), lambda: rolling_service_seconds(db, site, service))
    n = site.queue.rolling_window
    rows = db.execute(
        "SELECT finished_ts - called_ts FROM tickets "
        "WHERE service = ? AND state = 'done' AND called_ts IS NOT NULL "
        "ORDER BY id DESC LIMIT ?", (service, n)).fetchall()
    samples = sorted(r[0] for r in rows if r[0] is not None and r[0] >= MIN_VISIT_S)
    cut = int(len(samples) * TRIM) if len(samples) >= 5 else 0
    kept = samples[cut:len(samples) - cut]
    typical = site.services[service].typical_minutes * 60
    mean = (sum(kept) + typical * PRIOR_WEIGHT) / (len(kept) + PRIOR_WEIGHT)
    return min(max(mean, typical * BAND[0]), typical * BAND[1])


def open_counters(db: Any, memo: Memo | None = None) -> frozenset[str]:
    if memo is not None:
        return memo.get("open", lambda: open_counters(db))
    # open = not paused and someone signed in (counters/presence.py): an empty counter serves nobody
    return frozenset(r[0] for r in db.execute(
        "SELECT c.code FROM counters c JOIN counter_presence p ON p.counter = c.code WHERE c.state = 'open'"))


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


def build_forecast(db: Any, site: SiteConfig, now_ts: float, memo: Memo | None = None) -> Forecast:
    day = service_day(datetime.fromtimestamp(now_ts, site.tz), site.tz)
    mean = {code: rolling_service_seconds(db, site, code, memo) for code in site.services}
    opened = open_counters(db, memo)
    busy: dict[str, float] = {}
    for counter, service, called_ts in db.execute(
            "SELECT counter, service, called_ts FROM tickets WHERE counter IS NOT NULL "
            "AND state IN ('called', 'serving') AND day = ?", (day,)):
        m = mean.get(service, 0.0)
        busy[counter] = max(m - (now_ts - called_ts), m * RESIDUAL_MIN)
    counters = [OpenCounter(k.code, k.services, k.priority, busy.get(k.code, 0.0))
                for k in site.counters.values() if k.code in opened]
    return forecast(waiting_candidates(db, day), counters, mean, Rule.from_site(site), now_ts)


def queue_moved(memo: Memo) -> None:
    """Writers: the queue or the counters changed since the last replay."""
    memo.put("forecast_stale", True)


def current_forecast(db: Any, site: SiteConfig, now_ts: float, memo: Memo | None = None,
                     fresh: bool = False) -> Forecast:
    """The last replay if nothing changed since (or the queue is too long to replay on every
    change: then it is at most FORECAST_TTL_S old and callers correct for the changes)."""
    if memo is None:
        return build_forecast(db, site, now_ts)
    cached: Forecast | None = memo.peek("forecast")
    if cached is not None and not fresh and 0 <= now_ts - cached.at_ts < FORECAST_TTL_S:
        if not memo.peek("forecast_stale") or sum(cached.waiting.values()) >= REPLAY_ALWAYS_BELOW:
            return cached
    memo.put("forecast_stale", False)
    cached = build_forecast(db, site, now_ts, memo)
    memo.put("forecast", cached)
    return cached


def _minutes(wait_s: float | None, mean_s: float) -> tuple[int | None, int | None, int | None]:
    if wait_s is None:
        return None, None, None
    low, high = spread(wait_s, mean_s)
    return math.ceil(wait_s / 60), math.floor(low / 60), math.ceil(high / 60)


def arrival_estimate(db: Any, site: SiteConfig, service: str, ahead: int, now_ts: float | None = None,
                     memo: Memo | None = None, ticket_id: int | None = None) -> Estimate:
    """A newcomer of `service` with `ahead` people of that service already waiting (or the
    ticket `ticket_id` just issued as such a newcomer)."""
    now_ts = time.time() if now_ts is None else now_ts
    f = current_forecast(db, site, now_ts, memo)
    if ticket_id is not None and ticket_id in f.called_in_s:  # the replay already has it
        wait = f.called_in_s[ticket_id]
    else:
        wait = f.arrival_in_s.get(service)
        cap = f.capacity.get(service) or 0.0  # counters' time shared among their busy services
        if wait is not None and cap > 0:
            # tickets issued or called since the replay (a few seconds old at most): their share
            wait = max(0.0, wait + (ahead - f.waiting.get(service, 0)) * f.mean_s[service] / cap)
    if wait is not None:
        wait = max(0.0, wait - (now_ts - f.at_ts))
    return Estimate(ahead, *_minutes(wait, f.mean_s.get(service, 0.0)))


def ticket_wait(db: Any, site: SiteConfig, ticket: dict, now_ts: float, memo: Memo | None = None) -> Estimate:
    ahead = people_ahead(db, site, ticket, now_ts)
    f = current_forecast(db, site, now_ts, memo)
    if ticket["id"] not in f.called_in_s and f.arrival_in_s.get(ticket["service"]) is not None:
        f = current_forecast(db, site, now_ts, memo, fresh=True)  # issued after the cached replay
    wait = f.called_in_s.get(ticket["id"])
    if wait is not None:
        wait = max(0.0, wait - (now_ts - f.at_ts))
    return Estimate(ahead, *_minutes(wait, f.mean_s.get(ticket["service"], 0.0)))


def ticket_estimate(db: Any, site: SiteConfig, ticket: dict, now_ts: float,
                    memo: Memo | None = None) -> tuple[int, int | None]:
    e = ticket_wait(db, site, ticket, now_ts, memo)
    return e.ahead, e.minutes


def service_wait(db: Any, site: SiteConfig, service: str, ahead: int, memo: Memo | None = None,
                 now_ts: float | None = None) -> int | None:
    return arrival_estimate(db, site, service, ahead, now_ts, memo).minutes


def service_summary(db: Any, site: SiteConfig, day: str, memo: Memo | None = None,
                    now_ts: float | None = None) -> dict[str, dict[str, Any]]:
    """Per service: waiting, issued today, open counters, estimated wait of a new arrival."""
    rows = db.execute("SELECT service, last_seq, waiting FROM day_sequences WHERE day = ?", (day,)).fetchall()
    issued = {service: last for service, last, _ in rows}
    waiting = {service: n for service, _, n in rows}  # kept by the writers (schema m004, m006)
    opened = open_counters(db, memo)
    out = {}
    for code in site.services:
        n = waiting.get(code, 0)
        e = arrival_estimate(db, site, code, n, now_ts, memo)
        out[code] = {
            "waiting": n, "issued_today": issued.get(code, 0),
            "open_counters": sum(1 for k in site.counters.values() if k.code in opened and code in k.services),
            "estimated_wait_min": e.minutes, "wait_low_min": e.low, "wait_high_min": e.high,
        }
    return out


def naive_wait_minutes(site: SiteConfig, service: str, ahead: int, mean_s: float) -> float:
    """The usual formula, for comparison (`motcua bench eta`): people ahead × mean ÷ the
    counters configured for the service, whoever is actually there."""
    configured = sum(1 for k in site.counters.values() if service in k.services)
    return ahead * mean_s / configured / 60
