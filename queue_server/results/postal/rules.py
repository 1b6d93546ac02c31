"""Postal return as plain functions inside one write transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from queue_server.results.dossiers import rules as dossiers
from queue_server.errors import RuleError
from queue_server.store import Store, Tx

CLOSED = frozenset({3, 7, 8, 10})  # refused, withdrawn, stopped, already returned


def mask_address(address: str) -> str:
    """Only the last part (province / district) stays readable: "…, Đà Lạt, Lâm Đồng"."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    return "…, " + ", ".join(parts[-2:]) if len(parts) > 2 else "…"


def get(store_or_tx: Store | Tx, code: str) -> dict[str, Any] | None:
    cur = store_or_tx.db.conn.execute("SELECT * FROM postal_requests WHERE code = ?", (code,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row)) if row else None


def check_can_request(tx: Tx, code: str) -> None:
    """RuleError when a result cannot (or need not) go by post."""
    dossier = dossiers.get(tx, code)
    if dossier is None:
        raise RuleError("not_found", f"Không tìm thấy hồ sơ {code}", f"Dossier {code} not found")
    if dossier["status"] in CLOSED:
        vi, en = dossiers.STATUS[dossier["status"]]
        raise RuleError("invalid_state", f"Không thể gửi kết quả qua bưu điện ({vi})",
                       f"The result cannot be sent by post ({en})")
    in_locker = tx.execute("SELECT 1 FROM locker_parcels WHERE dossier = ? AND state NOT IN "
                           "('collected', 'returned', 'cancelled')", (code,)).fetchone()
    if in_locker:
        raise RuleError("in_locker", "Kết quả đã ở tủ trả kết quả: mời nhận tại tủ",
                       "The result is already in a locker: please collect it there")
    row = get(tx, code)
    if row and row["state"] == "handed":
        raise RuleError("invalid_state", "Kết quả đã giao cho bưu điện", "The result was already handed to the post")


def request(tx: Tx, code: str, recipient: str, address: str, phone: str | None, actor: str,
            now: datetime) -> dict[str, Any]:
    check_can_request(tx, code)
    tx.execute("INSERT INTO postal_requests (code, recipient, address, phone, recipient_masked, address_masked, "
               "state, requested_ts, requested_by) VALUES (?,?,?,?,?,?,'requested',?,?) ON CONFLICT (code) DO UPDATE "
               "SET recipient = excluded.recipient, address = excluded.address, phone = excluded.phone, "
               "recipient_masked = excluded.recipient_masked, address_masked = excluded.address_masked, "
               "state = 'requested', requested_ts = excluded.requested_ts, requested_by = excluded.requested_by",
               (code, recipient, address, phone, dossiers.mask_name(recipient), mask_address(address),
                now.timestamp(), actor))
    dossiers.note(tx, code, "postal_requested", now, actor)
    tx.emit("postal.requested", code=code)
    return get(tx, code)


def waiting(store: Store) -> dict[str, int]:
    """Requests not yet handed to the post: how many have their result ready, how many wait for it."""
    row = store.one("SELECT SUM(d.status = ?) AS ready, SUM(d.status != ?) AS processing FROM postal_requests p "
                    "JOIN dossiers d ON d.code = p.code WHERE p.state = 'requested'", (dossiers.DONE, dossiers.DONE))
    return {"ready": int(row["ready"] or 0), "processing": int(row["processing"] or 0)} if row else \
        {"ready": 0, "processing": 0}


def ready_to_send(store: Store) -> list[dict[str, Any]]:
    """Requests whose result is ready (status 9): today's handover list."""
    return store.query("SELECT p.*, d.procedure, d.due_ts FROM postal_requests p JOIN dossiers d ON d.code = p.code "
                       "WHERE p.state = 'requested' AND d.status = ? ORDER BY p.requested_ts, p.code",
                       (dossiers.DONE,))


def handover(tx: Tx, codes: list[str], actor: str, now: datetime) -> list[str]:
    """Handed to the postal service: status 10 (reported back with channel post); clear contacts erased."""
    done = []
    for code in codes:
        row = get(tx, code)
        dossier = dossiers.get(tx, code)
        if row is None or row["state"] != "requested" or dossier is None or dossier["status"] != dossiers.DONE:
            continue
        tx.execute("UPDATE postal_requests SET state = 'handed', handed_ts = ?, handed_by = ?, recipient = NULL, "
                   "address = NULL, phone = NULL WHERE code = ?", (now.timestamp(), actor, code))
        dossiers.set_status(tx, code, dossiers.RETURNED, now, actor, "handed_over_post", collected_ts=now.timestamp())
        done.append(code)
    return done
