"""The province's one-stop information system, simulated: dossiers, their change feed, results.

Written from docs/protocols/onestop.md (never from the queue server's code). Every change
of a dossier appends a full snapshot to the feed; the feed's position is the cursor.
Faults add to what a page carries (duplicates, stale copies, malformed items) or refuse the
request (slow, 5xx, garbage): the dossiers themselves stay true, so a test can compare the
synchronised copy with this one.
"""
from __future__ import annotations

import heapq
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CURSOR_PREFIX = "v1."
MAX_LIMIT = 1000
CHANNELS = ("locker", "counter", "post")

# (code, name, legal time limit in days) — a provincial center's common procedures
PROCEDURES = (
    ("1.004227", "Cấp đổi Giấy chứng nhận quyền sử dụng đất", 10),
    ("1.001612", "Đăng ký thành lập doanh nghiệp tư nhân", 3),
    ("2.000528", "Cấp bản sao trích lục hộ tịch", 1),
    ("1.000894", "Đăng ký khai sinh", 1),
    ("1.002335", "Cấp giấy phép xây dựng nhà ở riêng lẻ", 15),
    ("1.009994", "Cấp phiếu lý lịch tư pháp", 10),
    ("2.001263", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", 3),
    ("1.004492", "Cấp giấy phép lái xe quốc tế", 5),
)
AGENCIES = ("000.00.00.H56", "000.00.21.H56", "000.00.31.H56", "000.20.21.H56")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Thanh", "Minh", "Ngọc", "Quang", "Thu", "Kim")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Mai", "Nam",
         "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến")


class Clock:
    """Real time, optionally running from a chosen start (to match a server's --clock-start)."""

    def __init__(self, start: str | None = None):
        self.offset = 0.0
        if start:
            when = datetime.fromisoformat(start)
            if when.tzinfo is None:
                raise ValueError("--clock-start needs a UTC offset, e.g. 2026-11-23T08:00:00+07:00")
            self.offset = when.timestamp() - time.time()

    def __call__(self) -> float:
        return time.time() + self.offset


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, VN).isoformat(timespec="seconds")


def parse_iso(text: Any) -> float:
    if not isinstance(text, str):
        raise ValueError("expected an ISO 8601 date-time")
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (dt if dt.tzinfo else dt.replace(tzinfo=VN)).timestamp()


@dataclass
class Faults:
    slow_s: float = 0.0           # every API answer waits this long
    down: bool = False            # every API request answers 503 (an outage)
    fail_next: int = 0            # the next N API requests answer 503
    error_rate: float = 0.0       # share of API requests answering 500
    garbage_next: int = 0         # the next N feed answers are cut-off JSON
    malformed_rate: float = 0.0   # per real item: add a malformed item beside it
    malformed_next: int = 0       # the next N pages carry one malformed item each
    duplicate_rate: float = 0.0   # per real item: send it twice
    out_of_order: bool = False    # shuffle each page and add stale older copies of its dossiers
    results_fail_next: int = 0    # the next N result reports answer 503

    def update(self, **kw: Any) -> None:
        for key, value in kw.items():
            if not hasattr(self, key):
                raise ValueError(f"unknown fault {key!r} (known: {', '.join(self.__dataclass_fields__)})")
            kind = type(getattr(self, key))
            if kind is bool:
                if not isinstance(value, bool):
                    raise ValueError(f"{key}: expected true/false")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{key}: expected a number ≥ 0")
            setattr(self, key, kind(value))


@dataclass
class Stats:
    feed_requests: int = 0
    feed_errors: int = 0
    items_served: int = 0
    results_received: int = 0
    results_duplicate: int = 0


@dataclass(order=True)
class _Step:
    at: float
    code: str = field(compare=False)
    status: int = field(compare=False)


class Province:
    def __init__(self, clock: Callable[[], float] | None = None, seed: int | None = None,
                 per_day: float = 0.0, speed: float = 1.0):
        self.clock = clock or Clock()
        self.rng = random.Random(seed)
        self.per_day, self.speed = per_day, speed
        self.lock = threading.RLock()
        self.dossiers: dict[str, dict[str, Any]] = {}
        self.feed: list[dict[str, Any]] = []          # snapshots, in order of change
        self.results: dict[str, dict[str, Any]] = {}  # code -> first result report accepted
        self.seqs: dict[tuple[str, str], int] = {}
        self.faults = Faults()
        self.stats = Stats()
        self._plan: list[_Step] = []
        self._next_arrival: float | None = None

    # -- dossiers ----------------------------------------------------------------------
    def create(self, *, at: float | None = None, procedure: str | None = None, agency: str | None = None,
               applicant_name: str | None = None, phone: str | None = None, email: str | None = None,
               zalo_id: str | None = None, status: int = 1, due_days: float | None = None) -> dict[str, Any]:
        with self.lock:
            at = self.clock() if at is None else at
            proc = next((p for p in PROCEDURES if procedure in (p[0], p[1])), None) if procedure else None
            proc = proc or self.rng.choice(PROCEDURES)
            agency = agency or self.rng.choice(AGENCIES)
            day = datetime.fromtimestamp(at, VN).strftime("%y%m%d")
            seq = self.seqs[(agency, day)] = self.seqs.get((agency, day), 0) + 1
            if seq > 9999:
                raise ValueError(f"no dossier numbers left today for {agency}")
            name = applicant_name or " ".join((self.rng.choice(FAMILY), self.rng.choice(MIDDLE),
                                               self.rng.choice(GIVEN)))
            days = proc[2] if due_days is None else due_days
            d = {"code": f"{agency}-{day}-{seq:04d}", "agency": agency, "procedure": proc[1],
                 "procedure_code": proc[0], "channel": self.rng.choice((1, 1, 1, 2, 2, 3)),
                 "applicant_name": name,
                 "phone": phone if phone is not None else f"09{self.rng.randrange(10 ** 8):08d}",
                 "email": email, "zalo_id": zalo_id if zalo_id is not None else (
                     f"zl{self.rng.randrange(10 ** 9)}" if self.rng.random() < 0.4 else None),
                 "consent": self.rng.random() < 0.7,  # agreed to Zalo / SMS / e-mail notices
                 "received_at": iso(at), "due_at": iso(at + days * 86400 / self.speed),
                 "status": status, "status_at": iso(at), "supplements": 0}
            self.dossiers[d["code"]] = d
            self._record(d)
            return dict(d)

    def set_status(self, code: str, status: int, at: float | None = None) -> dict[str, Any]:
        if not isinstance(status, int) or isinstance(status, bool) or not 1 <= status <= 10:
            raise ValueError("status: expected 1..10")
        with self.lock:
            d = self.dossiers.get(code)
            if d is None:
                raise KeyError(code)
            at = self.clock() if at is None else at
            d["status"], d["status_at"] = status, iso(max(at, parse_iso(d["status_at"]) + 1))
            if status == 5:
                d["supplements"] += 1
            self._record(d)
            return dict(d)

    def _record(self, d: dict[str, Any]) -> None:
        snap = {k: v for k, v in d.items() if k != "supplements"}
        self.feed.append(snap)

    # -- a realistic stream ------------------------------------------------------------------
    def plan_life(self, code: str, start: float) -> list[tuple[float, int]]:
        """Status steps after reception: accepted, processing, maybe supplement / fee, done (some late)."""
        d = self.dossiers[code]
        due = parse_iso(d["due_at"])
        unit = 86400 / self.speed  # one (compressed) day
        r = self.rng.random()
        t = start + self.rng.uniform(0.002, 0.02) * unit
        if r < 0.03:
            return [(t, 3)]                                   # not accepted
        steps = [(t, 2)]
        t += self.rng.uniform(0.01, 0.1) * unit
        steps.append((t, 4))
        if self.rng.random() < 0.15:                          # supplement requested, brought a few days later
            t += self.rng.uniform(0.2, 1.5) * unit
            steps.append((t, 5))
            t += self.rng.uniform(0.5, 3) * unit
            steps.append((t, 4))
        if self.rng.random() < 0.10:                          # fee requested, paid
            t += self.rng.uniform(0.1, 0.5) * unit
            steps.append((t, 6))
            t += self.rng.uniform(0.1, 1) * unit
            steps.append((t, 4))
        if r > 0.98:
            steps.append((t + self.rng.uniform(0.1, 1) * unit, self.rng.choice((7, 8))))  # withdrawn / stopped
            return steps
        late = self.rng.random() < 0.12
        finish = due + self.rng.uniform(0.2, 3) * unit if late else max(
            t + 0.01 * unit, start + (due - start) * self.rng.uniform(0.3, 0.95))
        steps.append((finish, 9))
        if self.rng.random() < 0.2:  # some results are handed over at the province's own counter
            steps.append((finish + self.rng.uniform(0.1, 2) * unit, 10))
        return steps

    def generate(self, count: int, start: float | None = None, end: float | None = None) -> dict[str, int]:
        """`count` dossiers received between start and end with their whole life so far, in time order.
        Without a live stream (per_day 0) they stay where they are, so a test can compare copies."""
        with self.lock:
            end = self.clock() if end is None else end
            start = end - 86400 if start is None else start
            events: list[tuple[float, int, str, int]] = []
            for n in range(count):
                at = self.rng.uniform(start, end)
                code = self.create(at=at)["code"]
                self.feed.pop()  # re-recorded below in time order
                events.append((at, n, code, 1))
                for t, s in self.plan_life(code, at):
                    if t <= end:
                        events.append((t, n, code, s))
                    elif self.per_day > 0:  # live mode: the rest of its life happens as time goes by
                        heapq.heappush(self._plan, _Step(t, code, s))
            for at, _, code, status in sorted(events):
                d = self.dossiers[code]
                d["status"], d["status_at"] = status, iso(at)
                self._record(d)
            return {"created": count, "changes": len(events)}

    def tick(self) -> int:
        """Live mode: new arrivals at `per_day` (Poisson), planned steps that are due. Returns changes."""
        changed = 0
        with self.lock:
            now = self.clock()
            if self.per_day > 0:
                mean_gap = 86400 / self.speed / self.per_day
                if self._next_arrival is None:
                    self._next_arrival = now + self.rng.expovariate(1 / mean_gap)
                while self._next_arrival <= now:
                    code = self.create(at=self._next_arrival)["code"]
                    for at, status in self.plan_life(code, self._next_arrival):
                        heapq.heappush(self._plan, _Step(at, code, status))
                    self._next_arrival += self.rng.expovariate(1 / mean_gap)
                    changed += 1
            while self._plan and self._plan[0].at <= now:
                step = heapq.heappop(self._plan)
                if self.dossiers[step.code]["status"] != 10:
                    self.set_status(step.code, step.status, step.at)
                    changed += 1
        return changed

    # -- the pull API --------------------------------------------------------------------
    def changes(self, cursor: str | None, limit: int) -> dict[str, Any]:
        with self.lock:
            pos = decode_cursor(cursor)
            if pos > len(self.feed):
                raise ValueError("cursor is ahead of the feed")
            real = [dict(s) for s in self.feed[pos:pos + limit]]
            nxt = pos + len(real)
            items = self._disturb(real, pos)
            self.stats.items_served += len(real)
            return {"items": items, "next_cursor": f"{CURSOR_PREFIX}{nxt}", "has_more": nxt < len(self.feed),
                    "server_time": iso(self.clock())}

    def _disturb(self, real: list[dict[str, Any]], pos: int) -> list[Any]:
        f, rng = self.faults, self.rng
        items: list[Any] = []
        for snap in real:
            items.append(snap)
            if f.duplicate_rate and rng.random() < f.duplicate_rate:
                items.append(dict(snap))
            if f.malformed_rate and rng.random() < f.malformed_rate:
                items.append(self._malformed(snap))
        if f.malformed_next and real:
            f.malformed_next -= 1
            items.append(self._malformed(real[0]))
        if f.out_of_order and real:
            older = [s for s in self.feed[:pos] if s["code"] in {r["code"] for r in real}]
            items.extend(dict(s) for s in rng.sample(older, min(len(older), max(1, len(real) // 4))))
            rng.shuffle(items)
        return items

    def _malformed(self, snap: dict[str, Any]) -> Any:
        kind = self.rng.randrange(5)
        if kind == 0:
            return {**snap, "code": "HS-" + snap["code"][-4:]}      # not a dossier code
        if kind == 1:
            return {k: v for k, v in snap.items() if k != "status_at"}
        if kind == 2:
            return {**snap, "status": 0}
        if kind == 3:
            return {**snap, "status_at": "hôm qua"}
        return [snap["code"]]                                      # not an object

    # -- results back ------------------------------------------------------------------------
    def accept_result(self, code: str, body: Any) -> tuple[int, dict[str, Any]]:
        with self.lock:
            d = self.dossiers.get(code)
            if d is None:
                return 404, _error("not_found", f"no dossier {code}")
            if not isinstance(body, dict) or body.get("status") != 10 or body.get("channel") not in CHANNELS:
                return 422, _error("validation_error", "expected {status: 10, channel: locker|counter|post, "
                                                       "handed_over_at}")
            try:
                at = parse_iso(body.get("handed_over_at"))
            except ValueError:
                return 422, _error("validation_error", "handed_over_at: expected an ISO 8601 date-time")
            self.stats.results_received += 1
            if code in self.results:
                self.stats.results_duplicate += 1
                return 200, {"code": code, "acknowledged": True, "duplicate": True}
            if d["status"] not in (9, 10):
                return 409, _error("invalid_state", f"dossier {code} is at status {d['status']}, not 9")
            self.results[code] = {"channel": body["channel"], "handed_over_at": iso(at),
                                  "report_id": body.get("report_id"), "received_at": iso(self.clock())}
            if d["status"] != 10:
                self.set_status(code, 10, at)
            return 200, {"code": code, "acknowledged": True, "duplicate": False}

    def summary(self) -> dict[str, Any]:
        with self.lock:
            by_status: dict[int, int] = {}
            for d in self.dossiers.values():
                by_status[d["status"]] = by_status.get(d["status"], 0) + 1
            return {"dossiers": len(self.dossiers), "feed_length": len(self.feed),
                    "by_status": {str(k): v for k, v in sorted(by_status.items())},
                    "results": self.results, "faults": self.faults.__dict__, "stats": self.stats.__dict__,
                    "per_day": self.per_day, "speed": self.speed}


def decode_cursor(cursor: str | None) -> int:
    if cursor in (None, ""):
        return 0
    if not cursor.startswith(CURSOR_PREFIX) or not cursor[len(CURSOR_PREFIX):].isdigit():
        raise ValueError(f"cursor {cursor[:40]!r} was not issued by this server")
    return int(cursor[len(CURSOR_PREFIX):])


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}

