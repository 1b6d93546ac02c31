"""The life of a result in a locker, as plain functions inside one write transaction.

    reserved ─open_confirmed→ depositing ─closed+item→ ready ─verify→ opening ─open_confirmed→ open
        │                        └closed, empty→ cancelled        ▲    │open_failed          │
        └open_failed→ cancelled (compartment disabled)            └────┘ (code stays valid)  │
    open ─closed, empty→ collected (status 10)   open ─closed, item→ ready (not taken)  ◄────┘
    ready ─N days→ reminder (new code) ─M days→ return_due ─retrieve→ retrieving ─open→ retrieve_open
    retrieve_open ─closed, empty→ returned (to the counter)

"collected" is reachable only from "open", and "open" only from a door the
board reported open (the kiosk's `open_confirmed`, or the board's state read
back at reconciliation while a pickup was authorised).

Here: deposits and the door/sensor reports that move a parcel along. The code check and new codes
are in `pickup`, what the citizen is told in `messages`, the row itself in `parcels`.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from queue_server.results.dossiers import rules as dossiers
from queue_server.errors import RuleError
from queue_server.results.lockers.audit import alert, audit
from queue_server.results.lockers.codes import PickupCodes
from queue_server.results.lockers.config import SIZE_RANK, Bank, LockerConfig
from queue_server.results.lockers.messages import issue_code
from queue_server.results.lockers.parcels import ACTIVE_SQL, parcel_by_id, parcel_in, parcel_of, row, update_parcel
from queue_server.notices import outbox as notices
from queue_server.store import Store, Tx

RESERVATION_TTL = timedelta(minutes=15)
OPENING_GRACE_S = 60.0  # an authorised pickup the kiosk has not opened yet is left alone this long
DOOR_EVENTS = ("open_confirmed", "open_failed", "closed")  # reports that move a parcel along


def sync_banks(store: Store, cfg: LockerConfig) -> None:
    with store.write() as tx:
        tx.execute("UPDATE locker_compartments SET configured = 0")
        for bank in cfg.banks.values():
            for c in bank.compartments:
                tx.execute("INSERT INTO locker_compartments (kiosk, number, board, lock, size) VALUES (?,?,?,?,?) "
                           "ON CONFLICT (kiosk, number) DO UPDATE SET board = excluded.board, lock = excluded.lock, "
                           "size = excluded.size, configured = 1", (bank.kiosk, c.number, c.board, c.lock, c.size))


def bank_of(cfg: LockerConfig, kiosk: str) -> Bank:
    bank = cfg.bank(kiosk)
    if bank is None:
        raise RuleError("not_found", f"Không có tủ nào gắn với ki-ốt {kiosk}", f"No locker bank for kiosk {kiosk}")
    return bank


# -- deposit -------------------------------------------------------------------------
def reserve(tx: Tx, cfg: LockerConfig, kiosk: str, code: str, size: str, actor: str, now: datetime,
            from_console: bool = False) -> dict[str, Any]:
    bank_of(cfg, kiosk)
    dossier = dossiers.get(tx, code)
    if dossier is None:
        raise RuleError("not_found", f"Không tìm thấy hồ sơ {code}", f"Dossier {code} not found")
    if dossier["status"] == dossiers.RETURNED:
        raise RuleError("invalid_state", "Kết quả của hồ sơ này đã được trả", "This result was already handed over")
    if dossier["status"] in dossiers.NO_RESULT_YET:
        vi, en = dossiers.STATUS[dossier["status"]]
        raise RuleError("not_ready", f"Hồ sơ chưa có kết quả để gửi vào tủ ({vi})",
                       f"The dossier has no result to deposit ({en})")
    current = parcel_of(tx, code)
    if current:
        raise RuleError("already_deposited", f"Hồ sơ đã ở ngăn {current['number']}",
                       f"Dossier already in compartment {current['number']} ({current['state']})")
    rank = SIZE_RANK[size]
    free = tx.execute(
        f"SELECT c.number, c.size, c.board, c.lock FROM locker_compartments c WHERE c.kiosk = ? AND c.configured = 1 "
        f"AND c.disabled = 0 AND COALESCE(c.item, 0) = 0 AND COALESCE(c.door_open, 0) = 0 AND NOT EXISTS "
        f"(SELECT 1 FROM locker_parcels p WHERE p.kiosk = c.kiosk AND p.number = c.number AND p.state IN ({ACTIVE_SQL}))",
        (kiosk,)).fetchall()
    fitting = sorted((SIZE_RANK[s], n, s, b, lk) for n, s, b, lk in free if SIZE_RANK[s] >= rank)
    if not fitting:
        raise RuleError("no_free_compartment", f"Không còn ngăn trống cỡ {size} trở lên",
                       f"No free compartment of size {size} or larger")
    _, number, csize, board, lock = fitting[0]
    cur = tx.execute("INSERT INTO locker_parcels (dossier, kiosk, number, size, state, from_console, reserved_ts, "
                     "reserved_by, updated_ts) VALUES (?,?,?,?,?,?,?,?,?)",
                     (code, kiosk, number, csize, "reserved", int(from_console), now.timestamp(), actor,
                      now.timestamp()))
    parcel = parcel_by_id(tx, cur.lastrowid)
    audit(tx, now, kiosk, number, "reserve", actor, purpose="deposit", parcel=parcel)
    tx.emit("locker.parcel", id=parcel["id"], dossier=code, kiosk=kiosk, compartment=number, state="reserved")
    return {**parcel, "board": board, "lock": lock}


# -- door and sensor reports from the kiosk -------------------------------------------------
def report(tx: Tx, cfg: LockerConfig, kiosk: str, number: int, event: str, actor: str, now: datetime, *,
           door_open: bool | None = None, item: bool | None = None, parcel_id: int | None = None,
           reason: str | None = None, latency_s: float | None = None) -> dict[str, Any]:
    bank_of(cfg, kiosk)
    comp = row(tx, "SELECT * FROM locker_compartments WHERE kiosk = ? AND number = ?", (kiosk, number))
    if comp is None:
        raise RuleError("not_found", f"Không có ngăn {number}", f"No compartment {number} at {kiosk}")
    parcel = parcel_in(tx, kiosk, number)
    if parcel_id is not None and (parcel is None or parcel["id"] != parcel_id):
        # a report about a parcel that has moved on (late or repeated): record it, change nothing
        audit(tx, now, kiosk, number, f"stale_{event}", actor, reason=reason, door_open=door_open, item=item,
              parcel_id=parcel_id)
        return {"result": "stale", "parcel": parcel_by_id(tx, parcel_id)}
    if parcel is not None and parcel_id is None and event in DOOR_EVENTS:
        # A door event that does not name the parcel it is about moves nothing: the kiosk always names
        # the parcel it opened, so this is a late, confused or forged report. Recorded for the audit.
        audit(tx, now, kiosk, number, f"unbound_{event}", actor, reason=reason, door_open=door_open, item=item,
              parcel=parcel)
        return {"result": "ignored", "parcel": parcel}
    _sense(tx, comp, now, door_open, item)
    purpose = _purpose(parcel)
    result = "recorded"
    if event == "unlock_sent":
        audit(tx, now, kiosk, number, "unlock", actor, purpose=purpose, parcel=parcel)
    elif event == "open_confirmed":
        audit(tx, now, kiosk, number, "open_confirmed", actor, purpose=purpose, parcel=parcel, door_open=True,
              item=item, latency_s=latency_s)
        parcel, result = _opened(tx, parcel, now, actor)
    elif event == "open_failed":
        audit(tx, now, kiosk, number, "open_failed", actor, purpose=purpose, reason=reason, parcel=parcel)
        parcel, result = _open_failed(tx, cfg, comp, parcel, now, reason or "unknown")
    elif event == "closed":
        audit(tx, now, kiosk, number, "closed", actor, purpose=purpose, parcel=parcel, door_open=False, item=item)
        parcel, result = _closed(tx, cfg, parcel, now, bool(item), kiosk)
    elif event == "left_open":
        audit(tx, now, kiosk, number, "left_open", actor, purpose=purpose, parcel=parcel, door_open=True, item=item)
        alert(tx, now, "stuck_open", kiosk, number, parcel=parcel)
        result = "alerted"
    elif event == "board_lost":
        audit(tx, now, kiosk, number, "board_lost", actor, purpose=purpose, reason=reason, parcel=parcel)
        alert(tx, now, "door_state_unknown", kiosk, number, parcel=parcel)
        result = "alerted"
    elif event == "sensor":
        parcel, result = _sensor(tx, cfg, comp, parcel, now, actor, door_open, item)
    else:
        raise RuleError("validation_error", f"Sự kiện không hợp lệ: {event}", f"event: unknown {event!r}")
    return {"result": result, "parcel": parcel}


def _purpose(parcel: dict[str, Any] | None) -> str:
    if parcel is None:
        return "none"
    return {"reserved": "deposit", "depositing": "deposit", "opening": "pickup", "open": "pickup",
            "retrieving": "retrieve", "retrieve_open": "retrieve"}.get(parcel["state"], "none")


def _sense(tx: Tx, comp: dict[str, Any], now: datetime, door_open: bool | None, item: bool | None) -> None:
    if door_open is None and item is None:
        return
    fields = {"sensed_ts": now.timestamp()}
    if door_open is not None:
        fields["door_open"] = int(door_open)
        if door_open and not comp["door_open"]:
            fields["open_since_ts"] = now.timestamp()
        elif not door_open:
            fields["open_since_ts"] = None
    if item is not None:
        fields["item"] = int(item)
    sets = ", ".join(f"{k} = ?" for k in fields)
    tx.execute(f"UPDATE locker_compartments SET {sets} WHERE kiosk = ? AND number = ?",
               (*fields.values(), comp["kiosk"], comp["number"]))
    if (door_open is not None and bool(comp["door_open"]) != door_open) or \
            (item is not None and bool(comp["item"]) != item):
        tx.emit("locker.door", kiosk=comp["kiosk"], compartment=comp["number"],
                door_open=door_open if door_open is not None else bool(comp["door_open"]),
                item=item if item is not None else bool(comp["item"]))


def _opened(tx: Tx, parcel: dict[str, Any] | None, now: datetime, actor: str) -> tuple[Any, str]:
    if parcel is None:
        return None, "recorded"
    nxt = {"reserved": "depositing", "opening": "open", "retrieving": "retrieve_open"}.get(parcel["state"])
    if nxt is None:
        return parcel, "recorded"
    extra = {"open_confirmed_ts": now.timestamp()} if nxt == "open" else {}
    return update_parcel(tx, parcel, now, state=nxt, **extra), nxt


def _open_failed(tx: Tx, cfg: LockerConfig, comp: dict[str, Any], parcel: dict[str, Any] | None, now: datetime,
                 reason: str) -> tuple[Any, str]:
    kind = {"timeout": "door_state_unknown", "unknown": "door_state_unknown",
            "already_open": "unexpected_open"}.get(reason, "door_failed")
    alert(tx, now, kind, comp["kiosk"], comp["number"], parcel=parcel, reason=reason)
    if reason == "already_open":  # the board read it open before our unlock: nobody may reserve it now
        _sense(tx, comp, now, True, None)
    else:  # a jammed or silent lock takes the compartment out of service
        tx.execute("UPDATE locker_compartments SET disabled = 1, disabled_reason = ? WHERE kiosk = ? AND number = ?",
                   (reason, comp["kiosk"], comp["number"]))
    if parcel is None:
        return None, "recorded"
    if parcel["state"] == "reserved":
        return update_parcel(tx, parcel, now, state="cancelled", end_reason=f"open_failed:{reason}"), "cancelled"
    if parcel["state"] == "opening":  # not collected; the code stays valid
        return update_parcel(tx, parcel, now, state="ready", session=None), "ready"
    return parcel, parcel["state"]


def _closed(tx: Tx, cfg: LockerConfig, parcel: dict[str, Any] | None, now: datetime, item: bool,
            kiosk: str) -> tuple[Any, str]:
    if parcel is None:
        return None, "recorded"
    state = parcel["state"]
    if state == "depositing":
        if not item:
            alert(tx, now, "deposit_empty", kiosk, parcel["number"], parcel=parcel)
            return update_parcel(tx, parcel, now, state="cancelled", end_reason="closed_empty"), "cancelled"
        parcel = update_parcel(tx, parcel, now, state="ready", deposited_ts=now.timestamp(), ready_ts=now.timestamp())
        dossier = dossiers.get(tx, parcel["dossier"])
        if dossier["status"] != dossiers.DONE:
            dossiers.set_status(tx, parcel["dossier"], dossiers.DONE, now, parcel["reserved_by"] or "locker",
                                "ready_in_locker")
        else:
            dossiers.note(tx, parcel["dossier"], "ready_in_locker", now, parcel["reserved_by"] or "locker")
        return issue_code(tx, cfg, parcel, now, "ready"), "ready"
    if state == "open":
        if item:
            alert(tx, now, "not_taken", kiosk, parcel["number"], parcel=parcel)
            return update_parcel(tx, parcel, now, state="ready", session=None), "not_taken"
        parcel = update_parcel(tx, parcel, now, state="collected", collected_ts=now.timestamp(), collected_kiosk=kiosk,
                      code_hash=None, code_salt=None, session=None)
        dossiers.set_status(tx, parcel["dossier"], dossiers.RETURNED, now, f"locker:{kiosk}", "collected_locker",
                            collected_ts=now.timestamp(), collected_kiosk=kiosk)
        PickupCodes.of(tx.store).forget(parcel["id"])
        if not cfg.notices.contact_retention_days:  # handed over: the contacts are not needed any more
            notices.erase_contacts(tx, now, 0, parcel["dossier"])
        return parcel, "collected"
    if state == "retrieve_open":
        if item:
            alert(tx, now, "not_taken", kiosk, parcel["number"], parcel=parcel)
            return update_parcel(tx, parcel, now, state="return_due"), "not_taken"
        parcel = update_parcel(tx, parcel, now, state="returned", returned_ts=now.timestamp(), code_hash=None)
        tx.execute("UPDATE dossiers SET returned_to_counter_ts = ? WHERE code = ?", (now.timestamp(), parcel["dossier"]))
        dossiers.note(tx, parcel["dossier"], "returned_to_counter", now, parcel["retrieve_by"] or "staff")
        return parcel, "returned"
    return parcel, state


def _sensor(tx: Tx, cfg: LockerConfig, comp: dict[str, Any], parcel: dict[str, Any] | None, now: datetime,
            actor: str, door_open: bool | None, item: bool | None) -> tuple[Any, str]:
    """A state read from the board outside a command (polling, start-up reconciliation)."""
    kiosk, number = comp["kiosk"], comp["number"]
    changed = (door_open is not None and door_open != bool(comp["door_open"])) or \
              (item is not None and item != bool(comp["item"])) or comp["sensed_ts"] is None
    if changed:
        audit(tx, now, kiosk, number, "sensor", actor, purpose=_purpose(parcel), parcel=parcel,
              door_open=door_open, item=item)
    state = parcel["state"] if parcel else None
    if door_open:
        if state in ("reserved", "opening", "retrieving"):  # the board says the authorised door is open
            audit(tx, now, kiosk, number, "open_confirmed", actor, purpose=_purpose(parcel), parcel=parcel,
                  door_open=True, item=item, source="board_readback")
            return _opened(tx, parcel, now, actor)
        if state not in ("depositing", "open", "retrieve_open"):
            alert(tx, now, "unexpected_open", kiosk, number, parcel=parcel)
            return parcel, "alerted"
        since = comp["open_since_ts"] or now.timestamp()
        if now.timestamp() - since > cfg.stuck_open_s:
            alert(tx, now, "stuck_open", kiosk, number, parcel=parcel)
        return parcel, "recorded"
    if door_open is False and state in ("depositing", "open", "retrieve_open"):
        return _closed(tx, cfg, parcel, now, bool(item), kiosk)  # kiosk missed the close (killed, restarted)
    if door_open is False and state == "opening":  # never opened: the pickup did not happen
        if now.timestamp() - (parcel["open_requested_ts"] or 0) < OPENING_GRACE_S:
            return parcel, "recorded"  # the kiosk may be about to pulse the lock right now
        if not item:
            alert(tx, now, "item_missing", kiosk, number, parcel=parcel)
        return update_parcel(tx, parcel, now, state="ready", session=None), "ready"
    if door_open is False and state == "reserved" and not item and \
            now.timestamp() - parcel["reserved_ts"] > RESERVATION_TTL.total_seconds():
        return update_parcel(tx, parcel, now, state="cancelled", end_reason="reservation_expired"), "cancelled"
    if item and state in (None, "reserved"):
        alert(tx, now, "item_unexpected", kiosk, number, parcel=parcel)
        return parcel, "alerted"
    if item is False and state in ("ready", "return_due", "retrieving"):
        alert(tx, now, "item_missing", kiosk, number, parcel=parcel)
        return parcel, "alerted"
    return parcel, "recorded"
