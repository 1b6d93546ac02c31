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

from queue_server.config import SiteConfig


_RULES: dict[int, tuple[SiteConfig, "Rule"]] = {}


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
        cached = _RULES.get(id(site))
        if cached is None or cached[0] is not site:
            rule = cls({g.code: g.head_start_minutes * 60 for g in site.priority_groups.values()},
                       {s.code: s.max_wait_minutes * 60 for s in site.services.values()})
            cached = _RULES[id(site)] = (site, rule)
        return cached[1]

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

    # The same key in SQL, so the store picks and counts without loading every waiting
    # ticket into Python; a property test checks that both orders agree.
    def sql_key(self, priority_first: bool = False) -> list[str]:
        """Five SQL expressions over `tickets` equal to `key()`; bind now_ts to each of their 4 `?`."""
        cache = self.__dict__.setdefault("_sql_cache", {})  # frozen dataclass: no setattr
        if priority_first not in cache:
            cache[priority_first] = self._sql_key(priority_first)
        return cache[priority_first]

    def _sql_key(self, priority_first: bool) -> list[str]:
        max_wait = " ".join(f"WHEN '{s}' THEN {v!r}" for s, v in self.max_wait_s.items())
        head = " ".join(f"WHEN '{g}' THEN {v!r}" for g, v in self.head_start_s.items())
        overdue = f"(? - arrived_ts > (CASE service {max_wait} ELSE 1e300 END))"
        lane = "(priority IS NOT NULL)" if priority_first else "0"
        return [f"CASE WHEN {overdue} THEN 0 ELSE 1 END",
                f"CASE WHEN {overdue} THEN 0 WHEN {lane} THEN 0 ELSE 1 END",
                f"CASE WHEN {overdue} THEN arrived_ts ELSE arrived_ts - (CASE priority {head} ELSE 0.0 END) END",
                "arrived_ts + 0 * ?", "id"]

    def order(self, candidates: Iterable[Candidate], now_ts: float) -> list[Candidate]:
        """Calling order as an ordinary counter sees it (what `people_ahead` counts)."""
        return sorted(candidates, key=lambda c: self.key(c, now_ts))
