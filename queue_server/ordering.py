"""The calling rule, as one pure function (used by the server and by `bench policy`).

In one sentence, for the board: «Số được gọi theo giờ đến; người ưu tiên được
tính như đến sớm hơn vài phút; ai đã chờ quá thời gian tối đa được gọi trước.»
1. anyone waiting longer than the service's maximum goes first (earliest arrival first);
2. a priority counter takes priority tickets first;
3. otherwise by arrival minus the group's head start; ties by arrival, then id.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from .config import SiteConfig


@dataclass(frozen=True)
class Candidate:
    id: int
    service: str
    priority: str | None
    arrived_ts: float


@dataclass(frozen=True)
class Rule:
    head_start_s: Mapping[str, float]   # priority group → seconds of head start
    max_wait_s: Mapping[str, float]     # service → seconds

    @classmethod
    def from_site(cls, site: SiteConfig) -> "Rule":
        return cls({g.code: g.head_start_minutes * 60 for g in site.priority_groups.values()},
                   {s.code: s.max_wait_minutes * 60 for s in site.services.values()})

    def key(self, c: Candidate, now_ts: float, priority_first: bool = False) -> tuple:
        if now_ts - c.arrived_ts > self.max_wait_s.get(c.service, float("inf")):
            return (0, 0, c.arrived_ts, c.arrived_ts, c.id)
        lane = 0 if (priority_first and c.priority) else 1
        effective = c.arrived_ts - (self.head_start_s.get(c.priority, 0.0) if c.priority else 0.0)
        return (1, lane, effective, c.arrived_ts, c.id)

    def pick(self, candidates: Iterable[Candidate], services: Iterable[str], now_ts: float,
             priority_counter: bool = False) -> Candidate | None:
        served = set(services)
        eligible = [c for c in candidates if c.service in served]
        if not eligible:
            return None
        return min(eligible, key=lambda c: self.key(c, now_ts, priority_counter))

    def order(self, candidates: Iterable[Candidate], now_ts: float) -> list[Candidate]:
        """Calling order as an ordinary counter sees it (what `people_ahead` counts)."""
        return sorted(candidates, key=lambda c: self.key(c, now_ts))
