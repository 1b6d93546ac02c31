"""Queue rules, the issuing side: plain functions over the store; every change is one write transaction.

A ticket is issued (walk-in, appointment check-in, transfer) as `waiting`; what happens to it
at a counter (called → serving → done, recall, no-show, cancel, transfer) is in `calling`.
Each change appends to ticket_events and emits an event after COMMIT.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any, Callable

from queue_server.clock import service_day, to_ts
from queue_server.config import SiteConfig
from queue_server.errors import RuleError
from queue_server.hall.tickets.estimates import arrival_estimate, queue_moved
from queue_server.store import Store, Tx
from queue_server.hall.tickets.view import TICKET_COLUMNS, ticket_json

FINAL = ("done", "no_show", "transferred", "cancelled")

#: Places of a service's daily cap kept for others (db, day, service) → count: the appointments
#: feature registers its not-yet-checked-in bookings here, so walk-ins and bookings share the cap.
CAP_RESERVED: list[Callable[[Any, str, str], int]] = []


def sync_site(store: Store, site: SiteConfig, now: datetime | None = None) -> None:
    """Mirror the configured services and counters (keeps counters' pause state);
    with `now`, also close tickets a past day left open and recount the day's waiting."""
    with store.write() as tx:
        if now is not None:
            day = service_day(now, site.tz)
            close_past_days(tx, site, to_ts(now), day)
            # Waiting counts are kept by the writers (schema m004, m006); recounting the day at
            # start heals a count that a hand-made change to the database left wrong.
            tx.execute("UPDATE day_sequences SET waiting = (SELECT COUNT(*) FROM tickets t WHERE t.day = "
                       "day_sequences.day AND t.service = day_sequences.service AND t.state = 'waiting') "
                       "WHERE day = ?", (day,))
        for s in site.services.values():
            tx.execute("INSERT INTO services VALUES (?, ?, ?, ?, ?) ON CONFLICT(code) DO UPDATE SET "
                       "letter=excluded.letter, name=excluded.name, name_en=excluded.name_en, "
                       "typical_minutes=excluded.typical_minutes",
                       (s.code, s.letter, s.name, s.name_en, s.typical_minutes))
        for k in site.counters.values():
            tx.execute("INSERT INTO counters (code, name, services, priority) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(code) DO UPDATE SET name=excluded.name, services=excluded.services, "
                       "priority=excluded.priority",
                       (k.code, k.name, json.dumps(list(k.services)), int(k.priority)))


def get_ticket(db: Any, ticket_id: int) -> dict[str, Any]:
    cur = db.execute(f"SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?", (ticket_id,))
    row = cur.fetchone()
    if row is None:
        raise RuleError("not_found", f"Không tìm thấy số thứ tự {ticket_id}", f"Ticket {ticket_id} not found")
    return dict(zip([d[0] for d in cur.description], row))


def is_open(site: SiteConfig, now: datetime) -> bool:
    t = now.astimezone(site.tz)
    return any(t.isoweekday() in w.days and w.start <= t.time() < w.end for w in site.windows)


WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def next_open(site: SiteConfig, now: datetime) -> datetime | None:
    """When issuing opens next (local time), None if no window is configured."""
    t = now.astimezone(site.tz)
    for days_ahead in range(8):
        day = (t + timedelta(days=days_ahead)).date()
        starts = sorted(w.start for w in site.windows if day.isoweekday() in w.days)
        for start in starts:
            at = datetime.combine(day, start, tzinfo=site.tz)
            if at > t:
                return at
    return None


def reopen_words(site: SiteConfig, now: datetime) -> tuple[str, str]:
    """«lúc 13:15» today, «lúc 07:00 thứ Hai 24/11» another day (Vietnamese, English)."""
    at = next_open(site, now)
    if at is None:
        return "", ""
    if at.date() == now.astimezone(site.tz).date():
        return f" Mời ông/bà quay lại lúc {at:%H:%M}.", f" Issuing reopens at {at:%H:%M}."
    return (f" Mời ông/bà quay lại lúc {at:%H:%M} {WEEKDAYS_VI[at.weekday()]} {at:%d/%m}.",
            f" Issuing reopens at {at:%H:%M} on {at:%A %d/%m}.")


def log_event(tx: Tx, site: SiteConfig, ticket: dict, type_: str, ts: float, actor: str | None,
         counter: str | None = None, **data: Any) -> None:
    tx.execute("INSERT INTO ticket_events (ticket_id, ts, type, counter, actor, data) VALUES (?, ?, ?, ?, ?, ?)",
               (ticket["id"], ts, type_, counter, actor, json.dumps(data) if data else None))
    queue_moved(tx.store.memo)
    # Rendered after COMMIT only if someone listens; copies: callers may add keys to their rows.
    row = dict(ticket)
    extra = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    tx.emit_lazy(f"ticket.{type_}", lambda: {
        "ticket": ticket_json(site, row), "counter": counter,
        **{k: ticket_json(site, v) if isinstance(v, dict) else v for k, v in extra.items()}})


def waiting_count(db: Any, day: str, service: str) -> int:
    """Waiting tickets of a service on a day: kept by the writers (schema m004, m006), one row read."""
    row = db.execute("SELECT waiting FROM day_sequences WHERE day = ? AND service = ?", (day, service)).fetchone()
    return row[0] if row else 0


def queue_changed(tx: Tx, site: SiteConfig, service: str, day: str, waiting: int | None = None,
                  ts: float | None = None) -> int:
    n = waiting_count(tx.db.conn, day, service) if waiting is None else waiting
    store = tx.store

    def payload() -> dict[str, Any]:
        e = arrival_estimate(store.db.conn, site, service, n, ts, store.memo)
        return {"service": service, "waiting": n, "estimated_wait_min": e.minutes,
                "wait_low_min": e.low, "wait_high_min": e.high}
    tx.emit_lazy("queue.changed", payload)
    return n


def insert_ticket(tx: Tx, site: SiteConfig, service: str, ts: float, day: str, *, arrived_ts: float,
                   priority: str | None, channel: str, actor: str | None, proof: str | None,
                   transferred_from: int | None = None, enforce_cap: bool = True,
                   keep: tuple[int, str] | None = None) -> tuple[dict[str, Any], int]:
    """The new ticket row, and how many of that service were waiting before it.
    `keep` = (seq, number) of a transferred ticket: the visitor keeps their number (schema m010)."""
    svc = site.services[service]
    if keep is not None:  # counted as waiting in its new service; no number of that service used
        (waiting,) = tx.execute(
            "INSERT INTO day_sequences (day, service, last_seq, waiting) VALUES (?, ?, 0, 1) "
            "ON CONFLICT(day, service) DO UPDATE SET waiting = waiting + 1 RETURNING waiting",
            (day, service)).fetchone()
        seq, number = keep
        waiting_before = waiting - 1
    else:
        # The number, and the new ticket counted as waiting, in one upsert (schema m006).
        seq, waiting = tx.execute(
            "INSERT INTO day_sequences (day, service, last_seq, waiting) VALUES (?, ?, 1, 1) "
            "ON CONFLICT(day, service) DO UPDATE SET last_seq = last_seq + 1, waiting = waiting + 1 "
            "RETURNING last_seq, waiting", (day, service)).fetchone()
        waiting_before = waiting - 1
        if enforce_cap and svc.daily_cap is not None and (
                seq + sum(reserved(tx.db.conn, day, service) for reserved in CAP_RESERVED) > svc.daily_cap):
            raise RuleError("daily_cap_reached",
                            f"Đã hết số cho lĩnh vực {svc.name} hôm nay ({svc.daily_cap} số)",
                            f"Today's {svc.daily_cap} tickets for {svc.name_en} are all issued")
        number = f"{svc.letter}{seq:03d}"
    cur = tx.execute(
        "INSERT INTO tickets (day, service, seq, number, priority, priority_by, priority_proof, channel, "
        "issued_ts, arrived_ts, issued_by, transferred_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (day, service, seq, number, priority, actor if priority else None, proof, channel, ts,
         arrived_ts, actor, transferred_from))
    # the row as just written (no read back: this is the hot path)
    return {"id": cur.lastrowid, "day": day, "service": service, "seq": seq, "number": number,
            "priority": priority, "priority_by": actor if priority else None, "priority_proof": proof,
            "channel": channel, "state": "waiting", "issued_ts": ts, "arrived_ts": arrived_ts,
            "called_ts": None, "started_ts": None, "finished_ts": None, "counter": None, "recalls": 0,
            "transferred_from": transferred_from, "transferred_to": None}, waiting_before


def issue_ticket(store: Store, site: SiteConfig, now: datetime, service: str, *,
                 priority: str | None = None, channel: str = "kiosk", actor: str | None = None,
                 priority_proof: str | None = None, idempotency: tuple[str, str, str] | None = None,
                 enforce_windows: bool = True, person_hash: str | None = None) -> tuple[dict[str, Any], bool]:
    """Issue a ticket; returns (ticket row, replayed). `idempotency` = (principal, key, request hash).
    `person_hash` (a priority ticket proven by a chip-ID card): a card that already holds an active
    priority ticket today gets that ticket back, marked `existing`, instead of a second one."""
    if service not in site.services:
        raise RuleError("unknown_service", f"Không có lĩnh vực '{service}'", f"Unknown service '{service}'")
    if priority is not None and priority not in site.priority_groups:
        raise RuleError("unknown_priority_group", f"Không có nhóm ưu tiên '{priority}'",
                        f"Unknown priority group '{priority}'")
    ts, day = to_ts(now), service_day(now, site.tz)
    with store.write() as tx:
        if idempotency is not None:
            seen = tx.execute("SELECT request_hash, ticket_id FROM idempotency WHERE principal = ? AND key = ?",
                              idempotency[:2]).fetchone()
            if seen is not None:
                if seen[0] != idempotency[2]:
                    raise RuleError("idempotency_mismatch",
                                    "Khóa Idempotency-Key đã dùng cho một yêu cầu khác",
                                    "Idempotency-Key was already used for a different request")
                return get_ticket(tx.db.conn, seen[1]), True
        person = hashlib.sha256(person_hash.encode()).hexdigest() if person_hash and priority else None
        if person is not None:
            held = _active_claim(tx, day, person)
            if held is not None:
                held["existing"] = True
                return held, False
        if enforce_windows and not is_open(site, now):
            vi, en = reopen_words(site, now)
            raise RuleError("outside_hours", "Ngoài giờ cấp số thứ tự." + vi, "Tickets are not issued at this hour." + en)
        ticket, before = insert_ticket(tx, site, service, ts, day, arrived_ts=ts, priority=priority,
                                        channel=channel, actor=actor, proof=priority_proof)
        if ticket["seq"] == 1:  # first of the day for this service: close what yesterday left open
            close_past_days(tx, site, ts, day)
        if idempotency is not None:
            tx.execute("INSERT INTO idempotency VALUES (?, ?, ?, ?, ?)", (*idempotency, ticket["id"], ts))
        if person is not None:
            tx.execute("INSERT INTO priority_claims (day, person, ticket_id) VALUES (?, ?, ?) "
                       "ON CONFLICT(day, person) DO UPDATE SET ticket_id = excluded.ticket_id",
                       (day, person, ticket["id"]))
        log_event(tx, site, ticket, "issued", ts, actor)
        queue_changed(tx, site, service, day, before + 1, ts)
        if priority is None:  # arrived last, no head start: everyone waiting is ahead
            e = arrival_estimate(tx.db.conn, site, service, before, ts, tx.store.memo, ticket["id"])
            ticket["people_ahead"] = before
            ticket["estimated_wait_min"], ticket["wait_span"] = e.minutes, (e.low, e.high)
    return ticket, False


def issue_in(tx: Tx, site: SiteConfig, service: str, ts: float, day: str, *, arrived_ts: float,
             channel: str, actor: str | None) -> dict[str, Any]:
    """A ticket issued inside the caller's transaction (an appointment's check-in): outside the
    issuing windows' check and the cap (its place was kept when it was booked)."""
    ticket, before = insert_ticket(tx, site, service, ts, day, arrived_ts=arrived_ts, priority=None,
                                    channel=channel, actor=actor, proof=None, enforce_cap=False)
    if ticket["seq"] == 1:
        close_past_days(tx, site, ts, day)
    log_event(tx, site, ticket, "issued", ts, actor)
    queue_changed(tx, site, service, day, before + 1, ts)
    return ticket


def _active_claim(tx: Tx, day: str, person: str) -> dict[str, Any] | None:
    """The card's priority ticket of the day if it is still in the queue (followed through transfers)."""
    row = tx.execute("SELECT ticket_id FROM priority_claims WHERE day = ? AND person = ?", (day, person)).fetchone()
    if row is None:
        return None
    ticket = get_ticket(tx.db.conn, row[0])
    for _ in range(10):
        if ticket["state"] != "transferred" or not ticket["transferred_to"]:
            break
        ticket = get_ticket(tx.db.conn, ticket["transferred_to"])
    return ticket if ticket["state"] in ("waiting", "called", "serving") else None


def close_past_days(tx: Tx, site: SiteConfig, ts: float, day: str) -> int:
    """Tickets left open by a past day: waiting/called → cancelled, serving → done.
    Runs with the first ticket of each service each day (and at start), in that transaction."""
    tx.execute("DELETE FROM priority_claims WHERE day < ?", (day,))  # card hashes live one day only
    rows = tx.execute("SELECT id, state FROM tickets WHERE day < ? AND state IN ('waiting', 'called', 'serving')",
                      (day,)).fetchall()
    for tid, state in rows:
        final, type_ = ("done", "finished") if state == "serving" else ("cancelled", "cancelled")
        tx.execute("UPDATE tickets SET state = ?, finished_ts = ? WHERE id = ?", (final, ts, tid))
        tx.execute("INSERT INTO ticket_events (ticket_id, ts, type, actor, data) VALUES (?, ?, ?, 'system', ?)",
                   (tid, ts, type_, json.dumps({"reason": "day_closed"})))
    return len(rows)
