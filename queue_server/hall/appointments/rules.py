"""Booking rules: slots, book, cancel, check-in. Plain functions over the store; each
change is one `store.write()` transaction, so a slot's count and the new booking are
read and written by one writer at a time (a slot is never overbooked).

The ordering rule stays the hall's one sentence («called by arrival, with head starts»):
a booked visitor who checks in within [slot start − early, slot start + grace] simply
*arrived* at the slot start; later, they arrived when they checked in; earlier, come back.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from datetime import date, datetime, timedelta
from typing import Any

from queue_server.hall.appointments.config import Booking, booking_of
from queue_server.clock import service_day, to_ts
from queue_server.config import SiteConfig
from queue_server.errors import ApiError, RuleError
from queue_server.store import Store, Tx
from queue_server.hall.tickets.links import link_key
from queue_server.hall.tickets import rules as tickets

CODE_DIGITS = 8
PHONE = re.compile(r"^\+?[0-9]{9,12}$")


class TooEarly(Exception):
    def __init__(self, come_back_ts: float):
        self.come_back_ts = come_back_ts


def checkin_arrival(slot_start_ts: float, now_ts: float, early_s: float, grace_s: float) -> float:
    """The arrival time a check-in at `now_ts` gets (the calling rule orders by it).
    Raises TooEarly(when) before the window opens."""
    if now_ts < slot_start_ts - early_s:
        raise TooEarly(slot_start_ts - early_s)
    if now_ts <= slot_start_ts + grace_s:
        return slot_start_ts
    return now_ts


def _err(status: int, code: str, vi: str, en: str) -> ApiError:
    return ApiError(status, code, vi, en)


def slot_starts(site: SiteConfig, booking: Booking, service: str, day: date) -> list[tuple[datetime, datetime]]:
    """(start, end) of every slot of the day, local time: inside the booking hours and the issuing windows."""
    bs = booking.service(service)
    if bs is None or day in booking.closed_days or day.isoweekday() not in bs.days:
        return []
    windows = [w for w in site.windows if day.isoweekday() in w.days]
    step = timedelta(minutes=bs.slot_minutes)
    out = []
    for start, end in bs.hours:
        at = datetime.combine(day, start, tzinfo=site.tz)
        stop = datetime.combine(day, end, tzinfo=site.tz)
        while at + step <= stop:
            if any(w.start <= at.time() < w.end for w in windows):
                out.append((at, at + step))
            at += step
    return out


def _bookable_day(site: SiteConfig, booking: Booking, service: str, day: date, now: datetime) -> None:
    if service not in site.services:
        raise RuleError("unknown_service", f"Không có lĩnh vực '{service}'", f"Unknown service '{service}'")
    bs = booking.service(service)
    if bs is None:
        raise _err(404, "not_bookable", f"Lĩnh vực {site.services[service].name} không nhận đặt lịch hẹn",
                   f"{site.services[service].name_en} does not take appointments")
    today = now.astimezone(site.tz).date()
    if day < today or day > today + timedelta(days=bs.days_ahead):
        raise _err(422, "day_out_of_range", f"Chỉ đặt lịch từ hôm nay đến {bs.days_ahead} ngày tới",
                   f"Appointments can be booked from today up to {bs.days_ahead} days ahead")


def _taken(db: Any, service: str, start_ts: float) -> int:
    return db.execute("SELECT COUNT(*) FROM appointments WHERE service = ? AND start_ts = ? "
                      "AND state != 'cancelled'", (service, start_ts)).fetchone()[0]


def _cap_left(db: Any, site: SiteConfig, service: str, day: str) -> int | None:
    cap = site.services[service].daily_cap
    if cap is None:
        return None
    row = db.execute("SELECT last_seq FROM day_sequences WHERE day = ? AND service = ?", (day, service)).fetchone()
    return cap - (row[0] if row else 0) - reserved(db, day, service)


def reserved(db: Any, day: str, service: str) -> int:
    """Bookings of the day not yet checked in: places of the daily cap kept for them."""
    try:
        return db.execute("SELECT COUNT(*) FROM appointments WHERE day = ? AND service = ? AND state = 'booked'",
                          (day, service)).fetchone()[0]
    except sqlite3.OperationalError:  # a store opened with the tickets schema alone has no bookings
        return 0


def slots(db: Any, site: SiteConfig, now: datetime, service: str, day: date) -> list[dict[str, Any]]:
    booking = booking_of(site)
    _bookable_day(site, booking, service, day, now)
    per_slot = booking.service(service).per_slot
    cap_left = _cap_left(db, site, service, day.isoformat())
    out = []
    for start, end in slot_starts(site, booking, service, day):
        free = per_slot - _taken(db, service, to_ts(start))
        if start <= now or (cap_left is not None and cap_left <= 0):
            free = 0
        out.append({"start": start.isoformat(timespec="minutes"), "end": end.isoformat(timespec="minutes"),
                    "available": max(free, 0)})
    return out


def phone_hash(store: Store, phone: str) -> str:
    return hmac.new(link_key(store), b"phone:" + phone.encode(), hashlib.sha256).hexdigest()


def mask(phone: str) -> str:
    return phone[:3] + "*" * (len(phone) - 6) + phone[-3:]


def book(store: Store, site: SiteConfig, now: datetime, service: str, start: datetime,
         phone: str | None = None, notices: Any = None) -> dict[str, Any]:
    """A booking; with a phone and `notices` (the outbox's NoticeConfig), reminders the day before
    and an hour before are queued (the phone itself lives only in those outbox rows, wiped when
    sent, cancelled or checked in)."""
    booking = booking_of(site)
    local = start.astimezone(site.tz)
    _bookable_day(site, booking, service, local.date(), now)
    match = [s for s in slot_starts(site, booking, service, local.date()) if s[0] == local]
    if not match:
        raise _err(422, "no_such_slot", "Không có khung giờ này", "No such slot")
    if local <= now:
        raise _err(409, "slot_past", "Khung giờ này đã qua", "This slot has passed")
    if phone is not None and not PHONE.match(phone):
        raise _err(422, "validation_error", "Số điện thoại không hợp lệ", "Invalid phone number")
    digest = phone_hash(store, phone) if phone else None
    start_ts, end_ts, day = to_ts(match[0][0]), to_ts(match[0][1]), local.date().isoformat()
    ts = to_ts(now)
    with store.write() as tx:
        close_past(tx, site, now)
        if digest is not None:
            since = (now.astimezone(site.tz).date() - timedelta(days=booking.no_show_days)).isoformat()
            (missed,) = tx.execute("SELECT COUNT(*) FROM appointment_no_shows WHERE phone_hash = ? AND day >= ?",
                                   (digest, since)).fetchone()
            if missed >= booking.no_show_limit:
                raise _err(409, "too_many_no_shows",
                           f"Số điện thoại này đã {missed} lần đặt mà không đến: mời lấy số trực tiếp tại kiosk",
                           f"This phone missed {missed} appointments: please take a ticket at the kiosk")
        if _taken(tx.db.conn, service, start_ts) >= booking.service(service).per_slot:
            raise _err(409, "slot_full", "Khung giờ này đã hết chỗ, mời chọn giờ khác",
                       "This slot is fully booked, please choose another")
        left = _cap_left(tx.db.conn, site, service, day)
        if left is not None and left <= 0:
            raise RuleError("daily_cap_reached", f"Đã hết số cho lĩnh vực {site.services[service].name} ngày này",
                            f"All of the day's tickets for {site.services[service].name_en} are taken")
        for _ in range(20):
            code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
            if tx.execute("SELECT 1 FROM appointments WHERE code = ?", (code,)).fetchone() is None:
                break
        tx.execute("INSERT INTO appointments (code, service, day, start_ts, end_ts, phone_hash, phone_masked, "
                   "created_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (code, service, day, start_ts, end_ts, digest, mask(phone) if phone else None, ts))
        tx.emit("appointment.booked", service=service, day=day)
        if phone and notices is not None:
            _remind(tx, site, notices, code, service, match[0][0], phone, now)
    return get(store.db.conn, site, code)


REMIND_BEFORE_S = (86400.0, 3600.0)   # the day before, an hour before


def _remind(tx: Tx, site: SiteConfig, notices: Any, code: str, service: str, start: datetime, phone: str,
            now: datetime) -> None:
    from queue_server.notices.outbox import enqueue
    svc = site.services[service]
    when = f"{start:%H:%M} ngày {start:%d/%m/%Y}"
    body = (f"Nhắc lịch hẹn: {svc.name} lúc {when} tại {site.center.name}. Mã đặt lịch {code}: "
            f"tại kiosk chạm «Tôi đã đặt lịch hẹn». / Reminder: {svc.name_en} at {start:%H:%M} on {start:%d/%m/%Y}, "
            f"booking code {code}.")
    redacted = body.replace(code, "********")
    for before in REMIND_BEFORE_S:
        due = to_ts(start) - before
        if due <= to_ts(now):
            continue
        for nid in enqueue(tx, notices, {"code": f"lich-hen-{code}", "phone": phone}, "appointment_reminder",
                           "Nhắc lịch hẹn / Appointment reminder", body, redacted, now):
            tx.execute("UPDATE notices_outbox SET next_ts = ? WHERE id = ?", (due, nid))


def _drop_reminders(tx: Tx, code: str, why: str) -> None:
    tx.execute("UPDATE notices_outbox SET state = 'failed', last_error = ?, body = NULL, recipient = NULL "
               "WHERE dossier = ? AND state = 'pending'", (why, f"lich-hen-{code}"))


def get(db: Any, site: SiteConfig, code: str) -> dict[str, Any]:
    cur = db.execute("SELECT code, service, day, start_ts, end_ts, state, phone_masked, ticket_id "
                     "FROM appointments WHERE code = ?", (_clean(code),))
    row = cur.fetchone()
    if row is None:
        raise _err(404, "not_found", "Không tìm thấy lịch hẹn với mã này", "No appointment with this code")
    r = dict(zip([d[0] for d in cur.description], row))
    tz = site.tz
    r["start"] = datetime.fromtimestamp(r.pop("start_ts"), tz).isoformat(timespec="minutes")
    r["end"] = datetime.fromtimestamp(r.pop("end_ts"), tz).isoformat(timespec="minutes")
    return r


def _clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def cancel(store: Store, site: SiteConfig, now: datetime, code: str) -> dict[str, Any]:
    with store.write() as tx:
        a = get(tx.db.conn, site, code)
        if a["state"] != "booked":
            raise _err(409, "invalid_state", "Lịch hẹn này không còn hủy được", "This appointment can no longer be cancelled")
        tx.execute("UPDATE appointments SET state = 'cancelled', phone_hash = NULL, phone_masked = NULL "
                   "WHERE code = ?", (a["code"],))
        _drop_reminders(tx, a["code"], "appointment cancelled")
        tx.emit("appointment.cancelled", service=a["service"], day=a["day"])
    return get(store.db.conn, site, code)


def check_in(store: Store, site: SiteConfig, now: datetime, code: str, actor: str | None) -> dict[str, Any]:
    booking = booking_of(site)
    ts, day = to_ts(now), service_day(now, site.tz)
    with store.write() as tx:
        close_past(tx, site, now)
        a = get(tx.db.conn, site, code)
        if a["state"] != "booked":
            raise _err(409, "invalid_state", f"Lịch hẹn này đã {STATE_VI[a['state']]}",
                       f"This appointment is already {a['state'].replace('_', ' ')}")
        if a["day"] != day:
            raise _err(409, "wrong_day", f"Lịch hẹn này vào ngày {a['start'][8:10]}/{a['start'][5:7]}",
                       f"This appointment is on {a['start'][:10]}")
        start_ts = datetime.fromisoformat(a["start"]).timestamp()
        try:
            arrived = checkin_arrival(start_ts, ts, booking.early_minutes * 60, booking.grace_minutes * 60)
        except TooEarly as early:
            at = datetime.fromtimestamp(early.come_back_ts, site.tz)
            raise _err(409, "too_early", f"Còn sớm: mời quay lại từ {at:%H:%M} để lấy số theo lịch hẹn",
                       f"Too early: please come back from {at:%H:%M} to check in") from None
        ticket = tickets.issue_in(tx, site, a["service"], ts, day, arrived_ts=arrived, channel="appointment",
                                  actor=actor)
        tx.execute("UPDATE appointments SET state = 'checked_in', checked_in_ts = ?, ticket_id = ? WHERE code = ?",
                   (ts, ticket["id"], a["code"]))
        _drop_reminders(tx, a["code"], "checked in")
    ticket["on_time"] = arrived == start_ts
    return ticket


STATE_VI = {"cancelled": "bị hủy", "checked_in": "được lấy số", "no_show": "quá hạn (không đến)", "booked": "đặt"}


def close_past(tx: Tx, site: SiteConfig, now: datetime) -> None:
    """Bookings of past days not checked in become no-shows (remembered by phone hash only);
    every phone of a past day is erased; no-shows older than the window are forgotten."""
    booking = booking_of(site)
    today = service_day(now, site.tz)
    tx.execute("INSERT INTO appointment_no_shows (phone_hash, day) SELECT phone_hash, day FROM appointments "
               "WHERE day < ? AND state = 'booked' AND phone_hash IS NOT NULL", (today,))
    tx.execute("UPDATE appointments SET state = 'no_show' WHERE day < ? AND state = 'booked'", (today,))
    tx.execute("UPDATE appointments SET phone_hash = NULL, phone_masked = NULL WHERE day < ? "
               "AND (phone_hash IS NOT NULL OR phone_masked IS NOT NULL)", (today,))
    since = (now.astimezone(site.tz).date() - timedelta(days=booking.no_show_days)).isoformat()
    tx.execute("DELETE FROM appointment_no_shows WHERE day < ?", (since,))


def housekeeping(store: Store, site: SiteConfig, now: datetime) -> None:
    """Past days' bookings closed and their phones erased even when nobody books (run at start and
    every few minutes by the app)."""
    with store.write() as tx:
        close_past(tx, site, now)


def day_summary(db: Any, site: SiteConfig, now: datetime) -> list[dict[str, Any]]:
    """Today per bookable service: bookings (not cancelled), check-ins, no-shows (still booked
    past the slot start + grace), still expected, cancelled."""
    booking = booking_of(site)
    day, late = service_day(now, site.tz), to_ts(now) - booking.grace_minutes * 60
    rows = {code: {"service": code, "name": site.services[code].name, "name_en": site.services[code].name_en,
                   "booked": 0, "checked_in": 0, "no_show": 0, "expected": 0, "cancelled": 0}
            for code in (booking.services or {})}
    for service, state, past, n in db.execute(
            "SELECT service, state, start_ts < ?, COUNT(*) FROM appointments WHERE day = ? "
            "GROUP BY service, state, start_ts < ?", (late, day, late)):
        row = rows.setdefault(service, {"service": service, "name": service, "name_en": service, "booked": 0,
                                        "checked_in": 0, "no_show": 0, "expected": 0, "cancelled": 0})
        if state == "cancelled":
            row["cancelled"] += n
            continue
        row["booked"] += n
        if state == "checked_in":
            row["checked_in"] += n
        elif state == "no_show" or past:
            row["no_show"] += n
        else:
            row["expected"] += n
    return list(rows.values())

tickets.CAP_RESERVED.append(reserved)  # walk-ins leave the booked places of the daily cap free
