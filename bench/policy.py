"""`motcua bench policy`: simulated days of the sample center under three calling rules.

- "rule": the real calling rule (ordering.Rule.pick, what the server runs);
- "fifo": by arrival only; "strict": priority tickets always first, then by arrival.
Arrivals bunch at opening (a queue formed before the doors open) and
mid-morning, ~10 % are priority visitors, the service mix follows counter
capacity, service times are lognormal around each service's typical minutes.
Counters work through their queue after the issuing window closes.

Kleinrock's conservation law: for work-conserving, non-preemptive rules the
work-weighted mean wait Σ sᵢwᵢ / Σ sᵢ does not depend on the rule (exact for
one server; close here). A rule can only move waiting between groups, and
strict priority gives priority visitors the least wait any rule can give them.
"""
from __future__ import annotations

import heapq
import math
import random
from datetime import datetime
from typing import Any, Callable

from bench.policy_mixed import compare
from queue_server.config import SiteConfig, load_site
from queue_server.hall.tickets.ordering import Candidate, Rule

PRIORITY_SHARE = 0.10
LOAD = 0.85               # arrivals ÷ capacity over the day
OPENING_QUEUE = 0.08      # share of a session's visitors already queuing at opening
CV = 0.5                  # service time coefficient of variation
GROUP_WEIGHTS = {"elderly": 0.5, "pregnant": 0.1, "disabled": 0.15, "merit": 0.1, "child_carer": 0.15}
# (start hh:mm, end hh:mm, intensity): a typical Monday of a provincial center
SESSIONS = [
    [("07:00", "08:00", 1.6), ("08:00", "09:00", 1.0), ("09:00", "10:30", 1.4), ("10:30", "11:15", 0.6)],
    [("13:15", "14:15", 1.2), ("14:15", "15:30", 0.9), ("15:30", "16:30", 0.5)],
]

Picker = Callable[[list[Candidate], tuple[str, ...], float, bool], Candidate | None]


def _minutes(hhmm: str) -> float:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def service_capacity(site: SiteConfig) -> dict[str, float]:
    """Tickets per hour each service can get if every counter splits its time evenly."""
    return {code: sum(60 / s.typical_minutes / len(k.services) for k in site.counters.values() if code in k.services)
            for code, s in site.services.items()}


def arrivals(site: SiteConfig, rng: random.Random) -> list[tuple[float, str, str | None]]:
    """One day: (minute of day, service, priority group) sorted by time."""
    cap = service_capacity(site)
    codes, weights = list(cap), list(cap.values())
    hours = sum((_minutes(b) - _minutes(a)) / 60 for s in SESSIONS for a, b, _ in s)
    total = int(LOAD * sum(weights) * hours)
    groups = [g for g in GROUP_WEIGHTS if g in site.priority_groups] or list(site.priority_groups)
    out = []
    for session in SESSIONS:
        share = sum((_minutes(b) - _minutes(a)) / 60 for a, b, _ in session) / hours
        n = round(total * share)
        opening = round(n * OPENING_QUEUE)
        mass = [(_minutes(b) - _minutes(a)) * w for a, b, w in session]
        times = [_minutes(session[0][0]) + rng.uniform(-0.5, 0) for _ in range(opening)]
        for _ in range(n - opening):
            a, b, _w = rng.choices(session, weights=mass)[0]
            times.append(rng.uniform(_minutes(a), _minutes(b)))
        for t in times:
            group = rng.choices(groups, weights=[GROUP_WEIGHTS.get(g, 1) for g in groups])[0] \
                if rng.random() < PRIORITY_SHARE else None
            out.append((t, rng.choices(codes, weights=weights)[0], group))
    return sorted(out)


def service_time(site: SiteConfig, service: str, rng: random.Random) -> float:
    mean = site.services[service].typical_minutes
    sigma = math.sqrt(math.log(1 + CV ** 2))
    return rng.lognormvariate(math.log(mean) - sigma ** 2 / 2, sigma)


def simulate(site: SiteConfig, day: list[tuple[float, str, str | None]], durations: list[float],
             pick: Picker) -> list[dict[str, Any]]:
    """Event-driven day; times in minutes. Returns one record per ticket with its wait."""
    counters = list(site.counters.values())
    free_at = {k.code: 0.0 for k in counters}
    waiting: dict[int, Candidate] = {}
    done: list[dict[str, Any]] = []
    events: list[tuple[float, int, str, Any]] = []  # (time, order, kind, payload)
    for n, (t, service, group) in enumerate(day):
        heapq.heappush(events, (t, 1, "arrive", n))
    while events:
        now, _, kind, payload = heapq.heappop(events)
        if kind == "arrive":
            t, service, group = day[payload]
            waiting[payload] = Candidate(payload, service, group, t * 60)
        # every idle counter tries to call (the order of idle counters: by code, as staff would)
        for k in counters:
            if free_at[k.code] > now or not waiting:
                continue
            chosen = pick(list(waiting.values()), k.services, now * 60, k.priority)
            if chosen is None:
                continue
            del waiting[chosen.id]
            t, service, group = day[chosen.id]
            free_at[k.code] = now + durations[chosen.id]
            done.append({"group": group, "wait": now - t, "service_time": durations[chosen.id]})
            heapq.heappush(events, (free_at[k.code], 0, "free", k.code))
    return done


def pickers(site: SiteConfig) -> dict[str, Picker]:
    rule = Rule.from_site(site)

    def fifo(cands, services, now, priority_counter):
        eligible = [c for c in cands if c.service in services]
        return min(eligible, key=lambda c: (c.arrived_ts, c.id)) if eligible else None

    def strict(cands, services, now, priority_counter):
        eligible = [c for c in cands if c.service in services]
        return min(eligible, key=lambda c: (c.priority is None, c.arrived_ts, c.id)) if eligible else None

    return {"rule": rule.pick, "fifo": fifo, "strict": strict}


def stats(waits: list[float]) -> dict[str, float | int]:
    if not waits:
        return {"n": 0}
    w = sorted(waits)
    return {"n": len(w), "mean_min": round(sum(w) / len(w), 2),
            "p95_min": round(w[min(len(w) - 1, math.ceil(0.95 * len(w)) - 1)], 2), "max_min": round(w[-1], 2)}


def run(seed: int = 1, days: int = 20, site: SiteConfig | None = None) -> dict[str, Any]:
    site = site or load_site()
    rng = random.Random(seed)
    records: dict[str, list[dict[str, Any]]] = {name: [] for name in pickers(site)}
    generated = []
    for _ in range(days):
        day = arrivals(site, rng)
        durations = [service_time(site, s, rng) for _, s, _ in day]
        generated.append((day, durations))
        for name, pick in pickers(site).items():
            records[name] += simulate(site, day, durations, pick)
    cap = site.queue.max_wait_minutes
    out: dict[str, Any] = {"bench": "policy", "seed": seed, "days": days,
                           "tickets_per_day": round(len(records["rule"]) / days),
                           "priority_share": PRIORITY_SHARE, "load": LOAD, "max_wait_cap_min": cap,
                           "generated": datetime.now().isoformat(timespec="seconds"), "rules": {}}
    for name, recs in records.items():
        groups = {"normal": [r["wait"] for r in recs if r["group"] is None],
                  "priority": [r["wait"] for r in recs if r["group"] is not None]}
        for g in site.priority_groups:
            groups[g] = [r["wait"] for r in recs if r["group"] == g]
        work = sum(r["service_time"] for r in recs)
        out["rules"][name] = {
            **{g: stats(w) for g, w in groups.items()},
            "over_cap": sum(1 for r in recs if r["wait"] > cap),
            "work_weighted_mean_wait_min": round(sum(r["service_time"] * r["wait"] for r in recs) / work, 2),
        }
    # the same days with 30 % of the visitors booked online (bench/policy_mixed.py)
    out["mixed_day"] = compare(site, generated, service_capacity(site), random.Random(seed + 1))
    r, f, s = out["rules"]["rule"], out["rules"]["fifo"], out["rules"]["strict"]
    out["checks"] = {
        "priority_mean_over_normal_mean": round(r["priority"]["mean_min"] / r["normal"]["mean_min"], 3),
        "priority_mean_ok": r["priority"]["mean_min"] <= 0.25 * r["normal"]["mean_min"],
        "normal_p95_over_fifo": round(r["normal"]["p95_min"] / f["normal"]["p95_min"], 3),
        "normal_p95_vs_fifo_ok": r["normal"]["p95_min"] <= 1.15 * f["normal"]["p95_min"],
        "normal_p95_below_strict": r["normal"]["p95_min"] < s["normal"]["p95_min"],
        "max_wait_within_cap": r["over_cap"] == 0 or f["over_cap"] > 0,
        # conservation: the rule only moves waiting around (≈1.0 means no work is lost)
        "conservation_rule_over_fifo": round(r["work_weighted_mean_wait_min"] / f["work_weighted_mean_wait_min"], 3),
        # the least wait any rule could give priority visitors is strict priority's
        "priority_mean_over_strict_bound": round(r["priority"]["mean_min"] / max(s["priority"]["mean_min"], 1e-9), 3),
    }
    return out
