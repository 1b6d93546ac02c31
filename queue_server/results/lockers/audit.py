"""Who opened which door, why, and what the sensors said; alerts for supervisors.

Audit rows are append-only (triggers). An alert of one kind for one compartment
and parcel is raised once until a supervisor acknowledges it, so a door polled
every second does not flood the dashboard.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from queue_server.store import Tx

log = logging.getLogger("motcua.lockers")

ALERTS: dict[str, tuple[str, str]] = {
    "door_failed": ("Ngăn {n} không mở được ({reason}); kết quả vẫn ở trong ngăn",
                    "Compartment {n} did not open ({reason}); the result is still inside"),
    "door_state_unknown": ("Ngăn {n}: không đọc được trạng thái cửa sau lệnh mở",
                           "Compartment {n}: door state unknown after the unlock command"),
    "unexpected_open": ("Ngăn {n} mở mà không có lệnh mở", "Compartment {n} opened without a command"),
    "stuck_open": ("Ngăn {n} để mở quá lâu", "Compartment {n} has been left open"),
    "item_unexpected": ("Ngăn {n} trống theo sổ nhưng cảm biến thấy có đồ",
                        "Compartment {n} should be empty but its sensor sees an item"),
    "item_missing": ("Ngăn {n}: cảm biến không thấy kết quả đang gửi (chưa được ghi là đã nhận)",
                     "Compartment {n}: the sensor does not see the deposited result (not marked collected)"),
    "pickup_locked": ("Hồ sơ {dossier} bị khóa nhận sau {tries} lần nhập sai mã",
                      "Dossier {dossier} locked after {tries} wrong codes"),   # before issue 11: no longer raised
    "pickup_slowed": ("Hồ sơ {dossier}: {tries} lần nhập sai mã, các lần thử sau phải chờ",
                      "Dossier {dossier}: {tries} wrong codes, further tries are slowed down"),
    "not_taken": ("Ngăn {n}: công dân đóng cửa nhưng chưa lấy kết quả",
                  "Compartment {n}: closed again with the result still inside"),
    "deposit_empty": ("Ngăn {n}: đóng cửa mà không có kết quả bên trong (gửi bị hủy)",
                      "Compartment {n}: closed with nothing inside (deposit cancelled)"),
    "return_due": ("Hồ sơ {dossier} quá hạn nhận: thu hồi từ ngăn {n} về quầy",
                   "Dossier {dossier} uncollected: take it from compartment {n} back to the counter"),
    "notice_unreachable": ("Hồ sơ {dossier}: không có kênh nào để báo công dân",
                           "Dossier {dossier}: no channel can reach the applicant"),
}


def audit(tx: Tx, now: datetime, kiosk: str, number: int | None, action: str, actor: str, *,
          purpose: str | None = None, reason: str | None = None, parcel: dict[str, Any] | None = None,
          door_open: bool | None = None, item: bool | None = None, **data: Any) -> None:
    tx.execute("INSERT INTO locker_audit (ts, kiosk, number, action, actor, purpose, reason, parcel_id, dossier, "
               "door_open, item, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
               (now.timestamp(), kiosk, number, action, actor, purpose, reason,
                parcel["id"] if parcel else None, parcel["dossier"] if parcel else None,
                None if door_open is None else int(door_open), None if item is None else int(item),
                json.dumps(data, ensure_ascii=False) if data else None))
    log.info("locker %s/%s: %s by %s (%s%s)", kiosk, number, action, actor, purpose or "-",
             f", {reason}" if reason else "")


def alert(tx: Tx, now: datetime, kind: str, kiosk: str, number: int | None, *,
          parcel: dict[str, Any] | None = None, **values: Any) -> int | None:
    parcel_id = parcel["id"] if parcel else None
    dup = tx.execute("SELECT id FROM locker_alerts WHERE state = 'open' AND kind = ? AND kiosk = ? "
                     "AND number IS ? AND parcel_id IS ?", (kind, kiosk, number, parcel_id)).fetchone()
    if dup:
        return None
    vi, en = ALERTS[kind]
    fill = {"n": number, "dossier": parcel["dossier"] if parcel else "", "reason": "", "tries": "", **values}
    cur = tx.execute("INSERT INTO locker_alerts (ts, kiosk, number, kind, parcel_id, dossier, message_vi, "
                     "message_en) VALUES (?,?,?,?,?,?,?,?)",
                     (now.timestamp(), kiosk, number, kind, parcel_id, parcel["dossier"] if parcel else None,
                      vi.format(**fill), en.format(**fill)))
    tx.emit("locker.alert", id=cur.lastrowid, kind=kind, kiosk=kiosk, compartment=number,
            message=f"{vi.format(**fill)} / {en.format(**fill)}")
    log.warning("locker alert %s at %s/%s: %s", kind, kiosk, number, en.format(**fill))
    return cur.lastrowid


def alert_json(row: dict[str, Any], tz: Any) -> dict[str, Any]:
    from queue_server.clock import iso_local
    return {"id": row["id"], "at": iso_local(row["ts"], tz), "kiosk": row["kiosk"], "compartment": row["number"],
            "kind": row["kind"], "parcel_id": row["parcel_id"], "dossier": row["dossier"],
            "message": row["message_vi"], "message_en": row["message_en"], "state": row["state"],
            "ack_at": iso_local(row["ack_ts"], tz), "ack_by": row["ack_by"]}


def audit_json(row: dict[str, Any], tz: Any) -> dict[str, Any]:
    from queue_server.clock import iso_local
    return {"id": row["id"], "at": iso_local(row["ts"], tz), "kiosk": row["kiosk"], "compartment": row["number"],
            "action": row["action"], "actor": row["actor"], "purpose": row["purpose"], "reason": row["reason"],
            "parcel_id": row["parcel_id"], "dossier": row["dossier"],
            "door_open": None if row["door_open"] is None else bool(row["door_open"]),
            "item": None if row["item"] is None else bool(row["item"]),
            "data": json.loads(row["data"]) if row["data"] else None}
