"""When will each waiting ticket be called? A short replay of the queue into the future.

Pure function, no I/O (the server and `motcua bench eta` run the same code). The
open counters, each free now or when its current visitor should be done, take the
waiting tickets by the real calling rule (ordering.Rule: head starts, priority
counters first), each ticket occupying its counter for its service's typical
occupancy. That handles what a people-ahead × mean ÷ counters formula cannot:
counters serving several services, a counter taking priority visitors first, a
service nobody open serves (no estimate rather than a wrong one).
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from queue_server.hall.tickets.ordering import Candidate, Rule

CV = 0.5            # coefficient of variation of one visit (measured ~0.4-0.6 at counters)
RANGE_Z = 1.0       # the range is about ± one standard deviation
RANGE_PAD_S = 60.0  # plus a minute on the high side: walking to the counter, the call itself


@dataclass(frozen=True)
class OpenCounter:
    code: str
    services: tuple[str, ...]
    priority: bool
    free_in_s: float = 0.0   # seconds until its current visitor should be done


@dataclass
class Forecast:
    at_ts: float
    called_in_s: dict[int, float] = field(default_factory=dict)          # ticket id → seconds until called
    arrival_in_s: dict[str, float | None] = field(default_factory=dict)  # service → a newcomer's wait (None: no counter)
    waiting: dict[str, int] = field(default_factory=dict)
    mean_s: dict[str, float] = field(default_factory=dict)
    capacity: dict[str, float] = field(default_factory=dict)             # counters' share given to each service


def forecast(waiting: Iterable[Candidate], counters: Iterable[OpenCounter], mean_s: Mapping[str, float],
             rule: Rule, now_ts: float) -> Forecast:
    waiting = list(waiting)
    counters = list(counters)
    out = Forecast(now_ts, mean_s=dict(mean_s))
    lanes: dict[tuple[str, bool], list[tuple[tuple, Candidate]]] = {}
    for c in waiting:
        out.waiting[c.service] = out.waiting.get(c.service, 0) + 1
        lanes.setdefault((c.service, c.priority is not None), []).append((rule.key(c, now_ts), c))
    for lane in lanes.values():
        lane.sort(key=lambda kc: kc[0], reverse=True)  # the next to call at the end: pop() is O(1)
    heap = [(k.free_in_s, n) for n, k in enumerate(counters)]
    heapq.heapify(heap)
    free_at = [k.free_in_s for k in counters]
    while heap:
        t, n = heapq.heappop(heap)
        k = counters[n]
        chosen = _pick(lanes, k)
        if chosen is None:
            continue  # nothing left this counter may take: it is free from t on
        ticket = lanes[chosen].pop()[1]
        out.called_in_s[ticket.id] = t
        done = t + mean_s.get(ticket.service, 0.0)
        free_at[n] = done
        heapq.heappush(heap, (done, n))
    for service in mean_s:
        serving = [free_at[n] for n, k in enumerate(counters) if service in k.services]
        out.arrival_in_s[service] = min(serving) if serving else None
        # each counter's time, shared among its services that have people waiting (this one counted)
        out.capacity[service] = sum(
            1 / max(1, sum(1 for s in k.services if s == service or out.waiting.get(s)))
            for k in counters if service in k.services)
    return out


def _pick(lanes: dict, k: OpenCounter) -> tuple[str, bool] | None:
    """The lane whose head this counter calls next: the rule's order among the heads of its
    services; a priority counter looks at priority visitors first."""
    passes = ((True,), (False,)) if k.priority else ((True, False),)
    for kinds in passes:
        best_lane, best_key = None, None
        for service in k.services:
            for prio in kinds:
                lane = lanes.get((service, prio))
                if lane and (best_key is None or lane[-1][0] < best_key):
                    best_lane, best_key = (service, prio), lane[-1][0]
        if best_lane is not None:
            return best_lane
    return None


def spread(wait_s: float, mean_s: float) -> tuple[float, float]:
    """A range for a predicted wait: the visits before it add up their spread (√n), so the
    range widens with the wait but less than in proportion."""
    if wait_s <= 0:
        return 0.0, RANGE_PAD_S
    visits = max(1.0, wait_s / max(mean_s, 1.0))
    sigma = RANGE_Z * CV * mean_s * math.sqrt(visits)
    return max(0.0, wait_s - sigma), wait_s + sigma + RANGE_PAD_S
