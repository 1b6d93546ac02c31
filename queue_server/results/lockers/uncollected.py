"""Results nobody collects: reminder (with a new code) after N days, back to the
counter after M days through a supervised door opening; stale reservations dropped.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from queue_server.errors import RuleError
from queue_server.notices import outbox as notices
from queue_server.results.lockers.audit import alert, audit
from queue_server.results.lockers.config import LockerConfig
from queue_server.results.lockers.messages import issue_code, queue_notice
from queue_server.results.lockers.parcels import row, update_parcel
from queue_server.results.lockers.rules import RESERVATION_TTL
from queue_server.store import Tx


def sweep(tx: Tx, cfg: LockerConfig, now: datetime) -> dict[str, int]:
    """Reminders after N days, return-to-counter after M days, stale reservations dropped."""
    done = {"reminded": 0, "return_due": 0, "expired_reservations": 0,
            "contacts_erased": notices.erase_contacts(tx, now, cfg.notices.contact_retention_days)}
    ts = now.timestamp()
    for p in tx.db.query("SELECT * FROM locker_parcels WHERE state = 'ready'"):
        age_days = (ts - p["ready_ts"]) / 86400
        if cfg.return_after_days and age_days >= cfg.return_after_days:
            p = update_parcel(tx, p, now, state="return_due", return_due_ts=ts, code_hash=None, code_salt=None)
            alert(tx, now, "return_due", p["kiosk"], p["number"], parcel=p)
            queue_notice(tx, cfg, p, "at_counter", now)
            done["return_due"] += 1
        elif cfg.reminder_after_days and age_days >= cfg.reminder_after_days and not p["reminders"]:
            p = update_parcel(tx, p, now, reminders=p["reminders"] + 1, reminded_ts=ts)
            issue_code(tx, cfg, p, now, "reminder")  # only the hash is kept, so a reminder carries a new code
            done["reminded"] += 1
    for p in tx.db.query("SELECT * FROM locker_parcels WHERE state = 'reserved' AND reserved_ts < ?",
                         [ts - RESERVATION_TTL.total_seconds()]):
        comp = row(tx, "SELECT * FROM locker_compartments WHERE kiosk = ? AND number = ?", (p["kiosk"], p["number"]))
        if not comp["door_open"]:
            update_parcel(tx, p, now, state="cancelled", end_reason="reservation_expired")
            done["expired_reservations"] += 1
    return done


def retrieve(tx: Tx, parcel: dict[str, Any], actor: str, now: datetime) -> dict[str, Any]:
    if parcel["state"] not in ("ready", "return_due"):
        raise RuleError("invalid_state", "Chỉ thu hồi được kết quả đang nằm trong ngăn",
                       f"Only a result waiting in a compartment can be retrieved (state {parcel['state']})")
    audit(tx, now, parcel["kiosk"], parcel["number"], "retrieve_requested", actor, purpose="retrieve", parcel=parcel)
    return update_parcel(tx, parcel, now, state="retrieving", retrieve_by=actor, code_hash=None, code_salt=None)


def reset_code(tx: Tx, cfg: LockerConfig, parcel: dict[str, Any], actor: str, now: datetime) -> dict[str, Any]:
    if parcel["state"] != "ready":
        raise RuleError("invalid_state", "Chỉ cấp lại mã cho kết quả đang chờ nhận",
                       "A new code is only issued for a result waiting in a compartment")
    audit(tx, now, parcel["kiosk"], parcel["number"], "new_code", actor, purpose="pickup", parcel=parcel)
    return issue_code(tx, cfg, parcel, now, "new_code")
