"""Where a postal confirmation code lives in clear: in this process's memory only, like the
lockers' pickup codes (`queue_server.results.lockers.codes` explains why). The outbox row carries
`{code}` and a reference; the deliverer asks `code_for` at send time.

Outbox references: a locker parcel is `code_ref = parcel id` (> 0); a postal confirmation is
`code_ref = -confirmation id` (< 0). `render_with` routes each to its owner.

Across a restart the clear code is gone: the message is dropped (never redrawn: the citizen
standing at the kiosk asks again, and a new code replaces the request anyway).
"""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Callable

from queue_server.store import Store


class ConfirmCodes:
    """Clear codes by confirmation id, each with the hash it belongs to (a stale one is never used)."""

    def __init__(self, store: Store):
        self.store = store
        self._codes: dict[int, tuple[str, str]] = {}   # confirmation id -> (code hash, clear code)
        self._lock = threading.Lock()

    @classmethod
    def of(cls, store: Store) -> "ConfirmCodes":
        """The one instance of this server process (kept with its store)."""
        codes = getattr(store, "postal_codes", None)
        if codes is None:
            codes = store.postal_codes = cls(store)
        return codes

    def remember(self, confirmation_id: int, code_hash: str, code: str) -> None:
        with self._lock:
            self._codes[confirmation_id] = (code_hash, code)

    def forget(self, confirmation_id: int) -> None:
        with self._lock:
            self._codes.pop(confirmation_id, None)

    def code_for(self, confirmation_id: int, now: datetime) -> str | None:
        """The clear code to send now, or None: the request is no longer waiting for it."""
        row = self.store.one("SELECT state, code_hash, expires_ts FROM postal_confirmations WHERE id = ?",
                             (confirmation_id,))
        with self._lock:
            known = self._codes.get(confirmation_id)
        if row is None or row["state"] != "pending" or now.timestamp() > row["expires_ts"] \
                or not known or known[0] != row["code_hash"]:
            self.forget(confirmation_id)
            return None
        return known[1]


def render_with(pickup: Callable[[int, datetime], str | None],
                postal: Callable[[int, datetime], str | None]) -> Callable[[int, datetime], str | None]:
    """The deliverer's one `render`: parcel references to the pickup codes, negative ones to ours."""
    def render(code_ref: int, now: datetime) -> str | None:
        return postal(-code_ref, now) if code_ref < 0 else pickup(code_ref, now)
    return render
