"""Brakes on guessing staff passwords: per account name (in the database, so a restart does not
reset them) and per source address (in memory).

Per name: the first THROTTLE_AFTER wrong passwords cost nothing; then each try must wait twice as
long as the last (1 s, 2 s, 4 s … at most MAX_WAIT_S), answered 429 with Retry-After whatever the
password; at LOCK_AFTER failures the account is locked for LOCK_S (423), and every further failure
locks it again. A correct login clears the count; so does a password reset (`motcua user add`).
While throttled or locked, the password is not even checked: the right one does not get in.
"""
from __future__ import annotations

import math
import threading
import time
from datetime import datetime

from queue_server.errors import ApiError
from queue_server.store import Store

THROTTLE_AFTER = 5
LOCK_AFTER = 10
LOCK_S = 15 * 60
MAX_WAIT_S = 60
FORGET_AFTER_S = 24 * 3600
SOURCE_FAILURES = 30          # wrong passwords from one address …
SOURCE_WINDOW_S = 15 * 60     # … within this window: that address waits


def check(store: Store, username: str, now: datetime) -> None:
    """Refuse (429 / 423) a login for this name while it is throttled or locked."""
    row = store.one("SELECT failures, last_ts, locked_until_ts FROM login_failures WHERE username = ?", (username,))
    if row is None:
        return
    ts = now.timestamp()
    if row["locked_until_ts"] and ts < row["locked_until_ts"]:
        wait = math.ceil(row["locked_until_ts"] - ts)
        raise ApiError(423, "account_locked", f"Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần; thử lại sau "
                       f"{math.ceil(wait / 60)} phút", f"Account locked after repeated wrong passwords; retry in "
                       f"{math.ceil(wait / 60)} min", {"Retry-After": str(wait)})
    if row["failures"] >= THROTTLE_AFTER:
        wait = min(2 ** (row["failures"] - THROTTLE_AFTER), MAX_WAIT_S)
        if ts < row["last_ts"] + wait:
            left = math.ceil(row["last_ts"] + wait - ts)
            raise ApiError(429, "rate_limited", f"Nhập sai nhiều lần, vui lòng chờ {left} giây",
                           f"Too many wrong passwords, wait {left} s", {"Retry-After": str(left)})


def failed(store: Store, username: str, now: datetime) -> None:
    ts = now.timestamp()
    with store.write() as tx:
        tx.execute("DELETE FROM login_failures WHERE last_ts < ?", (ts - FORGET_AFTER_S,))
        tx.execute("INSERT INTO login_failures (username, failures, last_ts) VALUES (?, 1, ?) "
                   "ON CONFLICT (username) DO UPDATE SET failures = failures + 1, last_ts = excluded.last_ts",
                   (username, ts))
        tx.execute("UPDATE login_failures SET locked_until_ts = ? WHERE username = ? AND failures >= ?",
                   (ts + LOCK_S, username, LOCK_AFTER))


def clear(tx, username: str) -> None:
    tx.execute("DELETE FROM login_failures WHERE username = ?", (username,))


class SourceBrake:
    """Wrong passwords per client address in a sliding window (one address guessing many names)."""

    def __init__(self, limit: int = SOURCE_FAILURES, window_s: float = SOURCE_WINDOW_S):
        self.limit, self.window_s = limit, window_s
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, source: str, now: float) -> list[float]:
        return [t for t in self._fails.get(source, []) if now - t < self.window_s]

    def check(self, source: str) -> None:
        now = time.monotonic()
        with self._lock:
            recent = self._recent(source, now)
            self._fails[source] = recent
            if len(recent) >= self.limit:
                wait = math.ceil(self.window_s - (now - recent[0]))
                raise ApiError(429, "rate_limited", "Quá nhiều lần đăng nhập sai từ máy này, vui lòng chờ",
                               "Too many failed logins from this address, please wait", {"Retry-After": str(wait)})

    def failed(self, source: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._fails) > 10000:
                self._fails = {k: v for k, v in self._fails.items() if v and now - v[-1] < self.window_s}
            self._fails[source] = [*self._recent(source, now), now]
