"""A simulated history of a busy center: tickets with their full event logs, ratings and
dossiers, written straight into a motcua database (shared by `motcua bench stats` and the demo).

Rows are what the queue rules would have written (same states, columns, event types and
actors), produced by a small counter simulation instead of one rule call per event: 90 days
of a 1,000-ticket center take seconds instead of minutes. Deterministic for a seed.
"""
from __future__ import annotations

import heapq
import json
import random
import sys
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Callable

from queue_server.config import SiteConfig
from queue_server.store import Store

REASONS = ("Chờ quá lâu", "Cán bộ hướng dẫn chưa rõ", "Thiếu chỗ ngồi chờ", "Phải đi lại nhiều lần")
NO_SHOW, CANCEL, TRANSFER, RATED, PRIORITY = 0.03, 0.02, 0.02, 0.35, 0.10


@dataclass(order=True)
class _Visit:
    arrived: float
    service: str = field(compare=False)
    priority: str | None = field(compare=False, default=None)


def _arrivals(rng: random.Random, site: SiteConfig, day: date, n: int) -> list[_Visit]:
    """n arrivals in the day's windows, bunched at opening and mid-morning."""
    tz = site.tz
    windows = [w for w in site.windows if day.isoweekday() in w.days] or list(site.windows)
    spans = [(datetime.combine(day, w.start, tz).timestamp(), datetime.combine(day, w.end, tz).timestamp())
             for w in windows]
    services = list(site.services)
    weights = [1 / site.services[s].typical_minutes for s in services]
    groups = list(site.priority_groups)
    out = []
    for _ in range(n):
        lo, hi = spans[0] if rng.random() < 0.65 or len(spans) == 1 else rng.choice(spans[1:])
        u = min(rng.betavariate(1.6, 3.2), 0.999)  # early in the window
        out.append(_Visit(lo + u * (hi - lo), rng.choices(services, weights)[0],
                          rng.choice(groups) if groups and rng.random() < PRIORITY else None))
    out.sort()
    return out


def staffed_for(site: SiteConfig, per_day: int) -> SiteConfig:
    """The site with each counter repeated (desks "2", "2-2", …) until `per_day` visitors can be
    served in the day's windows at ~60 % load (arrivals bunch): a 1,000-ticket center has ~30 desks, not 10."""
    minutes = sum((datetime.combine(date.min, w.end) - datetime.combine(date.min, w.start)).seconds / 60
                  for w in site.windows if 1 in w.days) or 450
    mean = sum(s.typical_minutes for s in site.services.values()) / len(site.services)
    copies = max(1, round(per_day * mean / (minutes * 0.6) / len(site.counters)))
    counters = {}
    for c in site.counters.values():
        for i in range(copies):
            code = c.code if i == 0 else f"{c.code}-{i + 1}"
            counters[code] = replace(c, code=code, name=c.name if i == 0 else f"{c.name}.{i + 1}")
    return replace(site, counters=counters)


def _service_seconds(rng: random.Random, site: SiteConfig, service: str) -> float:
    return max(60.0, rng.gammavariate(4, site.services[service].typical_minutes * 15))


class _Writer:
    """Rows for one day, ids given here (AUTOINCREMENT accepts them and moves on)."""

    def __init__(self, store: Store):
        conn = store.db.conn
        self.next_id = (conn.execute("SELECT MAX(id) FROM tickets").fetchone()[0] or 0) + 1
        self.tickets: list[tuple] = []
        self.events: list[tuple] = []
        self.ratings: list[tuple] = []
        self.seq: dict[str, int] = {}

    def ticket(self, day: str, site: SiteConfig, service: str, priority: str | None, issued: float,
               arrived: float, transferred_from: int | None = None) -> dict:
        seq = self.seq[service] = self.seq.get(service, 0) + 1
        t = {"id": self.next_id, "day": day, "service": service, "seq": seq,
             "number": f"{site.services[service].letter}{seq:03d}", "priority": priority,
             "issued_ts": issued, "arrived_ts": arrived, "transferred_from": transferred_from,
             "state": "waiting", "called_ts": None, "started_ts": None, "finished_ts": None, "counter": None,
             "recalls": 0, "transferred_to": None}
        self.next_id += 1
        self.tickets.append(t)
        self.event(t, issued, "issued", None, "device:kiosk-1" if transferred_from is None else None)
        return t

    def event(self, t: dict, ts: float, type_: str, counter: str | None, actor: str | None,
              data: dict | None = None) -> None:
        self.events.append((t["id"], ts, type_, counter, actor, json.dumps(data) if data else None))

    def flush(self, store: Store) -> None:
        with store.write() as tx:
            tx.db.conn.executemany(
                "INSERT INTO tickets (id, day, service, seq, number, priority, priority_by, channel, state, "
                "issued_ts, arrived_ts, called_ts, started_ts, finished_ts, counter, recalls, transferred_from, "
                "transferred_to, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'kiosk', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(t["id"], t["day"], t["service"], t["seq"], t["number"], t["priority"],
                  "device:kiosk-1" if t["priority"] else None, t["state"], t["issued_ts"], t["arrived_ts"],
                  t["called_ts"], t["started_ts"], t["finished_ts"], t["counter"], t["recalls"],
                  t["transferred_from"], None, "device:kiosk-1") for t in self.tickets])
            # a transferred ticket names the later one: linked once both exist
            tx.db.conn.executemany("UPDATE tickets SET transferred_to = ? WHERE id = ?",
                                   [(t["transferred_to"], t["id"]) for t in self.tickets if t["transferred_to"]])
            tx.db.conn.executemany("INSERT INTO ticket_events (ticket_id, ts, type, counter, actor, data) "
                                   "VALUES (?, ?, ?, ?, ?, ?)", sorted(self.events, key=lambda e: e[1]))
            tx.db.conn.executemany(
                "INSERT INTO ratings (ticket_id, day, number, counter, service, officer, level, reason, device, "
                "created_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.ratings)
            tx.db.conn.executemany(
                "INSERT INTO day_sequences (day, service, last_seq, waiting) VALUES (?, ?, ?, 0) "
                "ON CONFLICT (day, service) DO UPDATE SET last_seq = excluded.last_seq",
                [(self.tickets[0]["day"], s, n) for s, n in self.seq.items()] if self.tickets else [])
        self.tickets, self.events, self.ratings, self.seq = [], [], [], {}


def _simulate_day(rng: random.Random, site: SiteConfig, day: date, n: int, w: _Writer) -> None:
    """Counters call the earliest (priority: head start) waiting visitor of their services."""
    key = day.isoformat()
    visits = _arrivals(rng, site, day, n)
    officers = {c: f"canbo{i + 1:02d}" for i, c in enumerate(site.counters)}
    free_at = [(visits[0].arrived if visits else 0.0, code) for code in site.counters]
    heapq.heapify(free_at)
    waiting: list[tuple[dict, float]] = []
    i = 0
    while (i < len(visits) or waiting) and free_at:
        now, code = heapq.heappop(free_at)
        while i < len(visits) and visits[i].arrived <= now:
            v = visits[i]
            t = w.ticket(key, site, v.service, v.priority, v.arrived, v.arrived)
            if rng.random() < CANCEL:  # gives up while waiting
                t.update(state="cancelled", finished_ts=v.arrived + rng.uniform(300, 1800))
                w.event(t, t["finished_ts"], "cancelled", None, "staff:supervisor1")
            else:
                waiting.append((t, v.arrived - 60 * site.head_start(v.priority)))
            i += 1
        mine = [x for x in waiting if x[0]["service"] in site.counters[code].services
                and (x[0]["state"] == "waiting") and x[0]["issued_ts"] <= now]
        if not mine:
            nxt = visits[i].arrived if i < len(visits) else None
            if nxt is not None:
                heapq.heappush(free_at, (nxt, code))
            elif any(x[0]["service"] in site.counters[code].services for x in waiting):
                heapq.heappush(free_at, (now + 60, code))
            continue
        t, _ = min(mine, key=lambda x: (x[1], x[0]["id"]))
        waiting.remove((t, _))
        actor = f"staff:{officers[code]}"
        t.update(state="called", counter=code, called_ts=now)
        w.event(t, now, "called", code, actor)
        r = rng.random()
        if r < NO_SHOW:
            t["recalls"] = 1
            w.event(t, now + 60, "recalled", code, actor)
            t.update(state="no_show", called_ts=now + 60, finished_ts=now + 180)
            w.event(t, now + 180, "no_show", code, actor)
            heapq.heappush(free_at, (now + 180, code))
            continue
        start = now + rng.uniform(20, 90)
        t.update(state="serving", started_ts=start)
        w.event(t, start, "started", code, actor)
        end = start + _service_seconds(rng, site, t["service"])
        if r < NO_SHOW + TRANSFER and len(site.services) > 1:
            target = rng.choice([s for s in site.services if s != t["service"]])
            new = w.ticket(key, site, target, t["priority"], end, t["arrived_ts"], transferred_from=t["id"])
            t.update(state="transferred", finished_ts=end, transferred_to=new["id"])
            w.event(t, end, "transferred", code, actor, {"to": new["number"]})
            waiting.append((new, end - 60 * site.head_start(new["priority"])))
        else:
            t.update(state="done", finished_ts=end)
            w.event(t, end, "finished", code, actor)
            if rng.random() < RATED:
                level = rng.choices(("very_satisfied", "satisfied", "dissatisfied"), (60, 35, 5))[0]
                w.ratings.append((t["id"], key, t["number"], code, t["service"], officers[code], level,
                                  rng.choice(REASONS) if level == "dissatisfied" else None, "rating-" + code,
                                  end + 30))
        heapq.heappush(free_at, (end + rng.uniform(10, 60), code))


def _dossiers(rng: random.Random, store: Store, site: SiteConfig, day: date, n: int, until: float) -> None:
    """n dossiers received that day, with their status history up to `until`."""
    tz = site.tz
    procedures = [p for s in site.services.values() for p in s.procedures]
    if not procedures or n <= 0:
        return
    agency, yymmdd = site.center.agency_id, day.strftime("%y%m%d")
    rows, events = [], []
    opening = datetime.combine(day, time(7, 30), tz).timestamp()
    for seq in range(1, n + 1):
        p = rng.choice(procedures)
        code = f"{agency}-{yymmdd}-{seq:04d}"
        received = opening + rng.uniform(0, 8.5 * 3600)
        due = datetime.combine(day + timedelta(days=max(p.time_limit_days, 0)), time(0), tz).timestamp()
        channel = rng.choices((1, 2, 3), (55, 40, 5))[0]
        history = [(received, 2)]
        ts = received
        if rng.random() < 0.1:
            ts += rng.uniform(0.5, 2) * 86400
            history.append((ts, 5))
            ts += rng.uniform(1, 4) * 86400
            history.append((ts, 4))
        ts += max(p.time_limit_days, 0.2) * 86400 * rng.uniform(0.2, 1.15)
        history.append((ts, 9))
        if rng.random() < 0.8:
            history.append((ts + rng.uniform(0.2, 3) * 86400, 10))
        history = [(t, s) for t, s in history if t < until]
        status, status_ts = history[-1][1], history[-1][0]
        rows.append((code, agency, yymmdd, seq, p.code, "N*** V*** A***", received, due, status, status_ts,
                     channel, received))
        prev = None
        for t, s in history:
            events.append((code, t, "staff" if prev is None else "status", prev, s, "staff:canbo01"))
            prev = s
    with store.write() as tx:
        tx.db.conn.executemany(
            "INSERT INTO dossiers (code, agency, day, seq, procedure, applicant_masked, received_ts, due_ts, status, "
            "status_ts, channel, created_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        tx.db.conn.executemany("INSERT INTO dossier_events (code, ts, type, status_from, status_to, actor) "
                               "VALUES (?, ?, ?, ?, ?, ?)", events)
        tx.execute("INSERT INTO dossier_sequences (agency, day, last_seq) VALUES (?, ?, ?) "
                   "ON CONFLICT (agency, day) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)",
                   (agency, yymmdd, n))


def generate(store: Store, site: SiteConfig, first: date, days: int, per_day: int, *, seed: int = 766,
             dossiers_per_day: int | None = None, weekdays_only: bool = False,
             progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Write `days` days of history starting at `first` (days already holding tickets are skipped)."""
    rng = random.Random(seed)
    w = _Writer(store)
    until = datetime.combine(first + timedelta(days=days), time(0), site.tz).timestamp()
    made = {"days": 0, "tickets": 0, "events": 0, "dossiers": 0}
    for n in range(days):
        day = first + timedelta(days=n)
        if weekdays_only and day.isoweekday() > 5:
            continue
        if store.db.conn.execute("SELECT 1 FROM tickets WHERE day = ? LIMIT 1", (day.isoformat(),)).fetchone():
            continue
        count = max(1, int(per_day * rng.uniform(0.85, 1.15)))
        _simulate_day(rng, site, day, count, w)
        made["tickets"] += len(w.tickets)
        made["events"] += len(w.events)
        w.flush(store)
        k = dossiers_per_day if dossiers_per_day is not None else count // 4
        _dossiers(rng, store, site, day, k, until)
        made["dossiers"] += k
        made["days"] += 1
        if progress and (n + 1) % 10 == 0 or progress and n + 1 == days:
            progress(f"history: {n + 1}/{days} days, {made['tickets']} tickets, {made['events']} events")
    return made


def stderr_progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
