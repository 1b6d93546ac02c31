"""Where a pickup code lives in clear: nowhere on disk.

A code the citizen must receive has to exist somewhere for a moment. Our choice:

- the database keeps only a salted PBKDF2 hash of it (`locker_parcels.code_hash`), and the
  outbox row keeps the message with a `{code}` placeholder and a reference to the parcel
  (`notices_outbox.code_ref`) — so the database file, its WAL and its backups never hold it;
- the clear code is kept in this process's memory (`PickupCodes`) from the moment it is drawn
  until the parcel's code changes or the process ends, and put into the message only when the
  message is handed to its channel (SMS gateway, Zalo, SMTP, or the file outbox — which IS the
  message, and is deleted after `[lockers.notices] file_keep_hours`);
- if the server restarts between drawing a code and sending it, the code is gone: at send time a
  NEW code is drawn (and its hash stored) — unless a message carrying the current code has
  already gone out on another channel, in which case the citizen has it and the remaining
  messages are dropped (`state = failed`, "code not kept across a restart").
"""
from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import datetime

from queue_server.results.lockers.audit import audit
from queue_server.results.lockers.parcels import parcel_by_id
from queue_server.store import Store


class PickupCodes:
    """Clear codes by parcel id, each with the hash it belongs to (a stale one is never used)."""

    def __init__(self, store: Store):
        self.store = store
        self._codes: dict[int, tuple[str, str]] = {}   # parcel id -> (code hash, clear code)
        self._lock = threading.Lock()

    @classmethod
    def of(cls, store: Store) -> "PickupCodes":
        """The one instance of this server process (kept with its store)."""
        codes = getattr(store, "pickup_codes", None)
        if codes is None:
            codes = store.pickup_codes = cls(store)
        return codes

    def remember(self, parcel_id: int, code_hash: str, code: str) -> None:
        with self._lock:
            self._codes[parcel_id] = (code_hash, code)

    def forget(self, parcel_id: int) -> None:
        with self._lock:
            self._codes.pop(parcel_id, None)

    def code_for(self, parcel_id: int, now: datetime) -> str | None:
        """The clear code to put in a message about this parcel now, or None: do not send (the result
        is no longer waiting, or the citizen already has the current code from another channel)."""
        with self.store.write() as tx:
            p = parcel_by_id(tx, parcel_id)
            if p is None or p["state"] != "ready" or not p["code_hash"]:
                self.forget(parcel_id)
                return None
            with self._lock:
                known = self._codes.get(parcel_id)
            if known and known[0] == p["code_hash"]:
                return known[1]
            sent = tx.execute("SELECT 1 FROM notices_outbox WHERE code_ref = ? AND state = 'sent' AND sent_ts >= ?",
                              (parcel_id, p["code_issued_ts"] or 0)).fetchone()
            if sent:
                return None
            code, salt = draw()
            h = hash_code(code, salt)
            tx.execute("UPDATE locker_parcels SET code_hash = ?, code_salt = ?, code_issued_ts = ?, updated_ts = ? "
                       "WHERE id = ?", (h, salt, now.timestamp(), now.timestamp(), parcel_id))
            audit(tx, now, p["kiosk"], p["number"], "code_redrawn", "notices", purpose="pickup", parcel=p,
                  reason="code not kept across a restart")
        self.remember(parcel_id, h, code)
        return code


def draw() -> tuple[str, str]:
    """A fresh 6-digit code and a salt for its hash."""
    return f"{secrets.randbelow(10 ** 6):06d}", secrets.token_hex(16)


def hash_code(code: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", code.encode(), bytes.fromhex(salt), 20000).hex()
