"""The mixed day of `motcua bench policy`: the same visitors, 30 % of the non-priority ones booked.

A booked visitor books the slot nearest the time they would have come anyway (15-min slots,
each slot holding at most ~35 % of what the service's counters serve in it, so bookings never
take a whole hour), comes around the slot (Gaussian, 6 min early on average, σ 7 min; 4 % no-show)
and checks in at the kiosk: the server's rule (appointments.rules.checkin_arrival) gives the
ticket its ordering time — the slot start within [start − early, start + grace], the check-in
later, and one too early comes back when the window opens. Then the real calling rule runs.

Compared with the same day without bookings — the same people coming at the same moments, each
ordered by their own arrival — we report:
booked visitors' mean lateness (called at − slot start), and walk-ins' and priority visitors'
mean waits, with the ratio to the no-booking day (targets ≤ 10 min, ≤ 1.1 ×, ≤ 1.1 ×).
"""
from __future__ import annotations

import heapq
import math
import random
from typing import Any

from queue_server.hall.appointments.rules import TooEarly, checkin_arrival
from queue_server.config import SiteConfig
from queue_server.hall.tickets.ordering import Candidate, Rule

BOOKED_SHARE = 0.30
SLOT_MIN = 15.0
SLOT_SHARE = 0.35           # of a service's counter capacity in one slot
EARLY_MIN, GRACE_MIN = 30.0, 15.0
COME_MEAN, COME_SD = -6.0, 7.0   # minutes from slot start a booked visitor checks in
NO_SHOW = 0.04


def book_day(site: SiteConfig, day: list[tuple[float, str, str | None]], capacity: dict[str, float],
             rng: random.Random) -> list[dict[str, Any]]:
    """Per visitor: {"arrive": min, "order": min, "slot": min | None} (slot None = walk-in; arrive None = no-show)."""
    per_slot = {s: max(1, math.floor(SLOT_SHARE * c * SLOT_MIN / 60)) for s, c in capacity.items()}
    taken: dict[tuple[str, float], int] = {}
    out = []
    for t, service, group in day:
        visit: dict[str, Any] = {"arrive": t, "order": t, "slot": None}
        if group is None and rng.random() < BOOKED_SHARE / (1 - 0.10):   # 30 % of all visitors
            slot = round(t / SLOT_MIN) * SLOT_MIN
            for candidate in (slot + k * SLOT_MIN for k in (0, 1, -1, 2, -2, 3)):   # nearest free slot
                if taken.get((service, candidate), 0) < per_slot[service]:
                    taken[(service, candidate)] = taken.get((service, candidate), 0) + 1
                    visit["slot"] = candidate
                    break
        if visit["slot"] is not None:
            if rng.random() < NO_SHOW:
                visit["arrive"] = None
            else:
                come = visit["slot"] + rng.gauss(COME_MEAN, COME_SD)
                try:
                    order = checkin_arrival(visit["slot"] * 60, come * 60, EARLY_MIN * 60, GRACE_MIN * 60) / 60
                except TooEarly as early:        # the kiosk says when to come back; they do
                    come = early.come_back_ts / 60
                    order = checkin_arrival(visit["slot"] * 60, come * 60, EARLY_MIN * 60, GRACE_MIN * 60) / 60
                visit["arrive"], visit["order"] = come, order
        out.append(visit)
    return out


def simulate(site: SiteConfig, day: list[tuple[float, str, str | None]], visits: list[dict[str, Any]],
             durations: list[float]) -> list[dict[str, Any]]:
    """bench.policy.simulate with an ordering time apart from the arrival (booked tickets)."""
    rule = Rule.from_site(site)
    counters = list(site.counters.values())
    free_at = {k.code: 0.0 for k in counters}
    waiting: dict[int, Candidate] = {}
    done: list[dict[str, Any]] = []
    events: list[tuple[float, int, str, Any]] = []
    for n, v in enumerate(visits):
        if v["arrive"] is not None:
            heapq.heappush(events, (v["arrive"], 1, "arrive", n))
    while events:
        now, _, kind, payload = heapq.heappop(events)
        if kind == "arrive":
            _, service, group = day[payload]
            waiting[payload] = Candidate(payload, service, group, visits[payload]["order"] * 60)
        for k in counters:
            if free_at[k.code] > now or not waiting:
                continue
            chosen = rule.pick(list(waiting.values()), k.services, now * 60, k.priority)
            if chosen is None:
                continue
            del waiting[chosen.id]
            v = visits[chosen.id]
            free_at[k.code] = now + durations[chosen.id]
            done.append({"group": day[chosen.id][2], "booked": v["slot"] is not None, "wait": now - v["arrive"],
                         "late": (now - v["slot"]) if v["slot"] is not None else None, "id": chosen.id})
            heapq.heappush(events, (free_at[k.code], 0, "free", k.code))
    return done


def mean(xs: list[float]) -> float:
    return round(sum(xs) / len(xs), 2) if xs else 0.0


def compare(site: SiteConfig, days: list[tuple[list, list[float]]], capacity: dict[str, float],
            rng: random.Random) -> dict[str, Any]:
    booked_late, walk_mixed, prio_mixed, walk_base, prio_base, booked_base = [], [], [], [], [], []
    share, booked_wait = [], []
    for day, durations in days:
        visits = book_day(site, day, capacity, rng)
        share.append(sum(1 for v in visits if v["slot"] is not None) / len(visits))
        booked_ids = {n for n, v in enumerate(visits) if v["slot"] is not None}
        for r in simulate(site, day, visits, durations):
            if r["booked"]:
                booked_late.append(r["late"])
                booked_wait.append(r["wait"])
            elif r["group"] is None:
                walk_mixed.append(r["wait"])
            else:
                prio_mixed.append(r["wait"])
        # the same day without bookings: the same people coming at the same moments, each ordered
        # by their own arrival (no slot) — what is compared is the ordering rule alone
        plain = [{"arrive": v["arrive"], "order": v["arrive"], "slot": None} for v in visits]
        for r in simulate(site, day, plain, durations):
            if r["id"] in booked_ids:
                booked_base.append(r["wait"])
            elif r["group"] is None:
                walk_base.append(r["wait"])
            else:
                prio_base.append(r["wait"])
    out = {"booked_share": round(sum(share) / len(share), 3),
           "booked_mean_lateness_from_slot_min": mean(booked_late),
           "booked_p90_lateness_min": round(sorted(booked_late)[int(0.9 * len(booked_late))], 2) if booked_late else 0,
           "booked_mean_wait_min": {"mixed": mean(booked_wait), "no_bookings": mean(booked_base)},
           "walk_in_mean_wait_min": {"mixed": mean(walk_mixed), "no_bookings": mean(walk_base)},
           "priority_mean_wait_min": {"mixed": mean(prio_mixed), "no_bookings": mean(prio_base)}}
    out["walk_in_ratio"] = round(out["walk_in_mean_wait_min"]["mixed"] / max(out["walk_in_mean_wait_min"]["no_bookings"], 1e-9), 3)
    out["priority_ratio"] = round(out["priority_mean_wait_min"]["mixed"] / max(out["priority_mean_wait_min"]["no_bookings"], 1e-9), 3)
    out["checks"] = {"booked_within_10_min": out["booked_mean_lateness_from_slot_min"] <= 10,
                     "walk_ins_within_1_1": out["walk_in_ratio"] <= 1.1,
                     "priority_within_1_1": out["priority_ratio"] <= 1.1}
    return out

