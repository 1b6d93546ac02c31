"""Wrong booking codes per caller: after MAX_MISSES unknown codes within WINDOW_S, every lookup,
cancel or page by code from that caller is refused (429) until the oldest miss ages out.
An 8-digit code is the only key to a booking: this keeps guessing codes far slower than
the general public rate limit would."""
from __future__ import annotations

import threading
import time
from collections import deque

from fastapi import Request

from queue_server.auth.ratelimit import client_key
from queue_server.errors import ApiError

MAX_MISSES = 10
WINDOW_S = 600.0


class Guesses:
    def __init__(self) -> None:
        self._misses: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        misses = self._misses.setdefault(key, deque())
        while misses and misses[0] <= now - WINDOW_S:
            misses.popleft()
        return misses

    def check(self, request: Request) -> None:
        key, now = client_key(request)[0], time.monotonic()
        with self._lock:
            misses = self._recent(key, now)
            if len(misses) >= MAX_MISSES:
                wait = int(misses[0] + WINDOW_S - now) + 1
                raise ApiError(429, "rate_limited", f"Nhập sai mã quá nhiều lần, vui lòng thử lại sau {wait // 60 + 1} phút",
                               f"Too many wrong codes, please retry in {wait // 60 + 1} min", {"Retry-After": str(wait)})

    def missed(self, request: Request) -> None:
        key, now = client_key(request)[0], time.monotonic()
        with self._lock:
            if len(self._misses) > 10000:   # forget callers with no recent miss
                self._misses = {k: v for k, v in self._misses.items() if v and v[-1] > now - WINDOW_S}
            self._recent(key, now).append(now)


def guesses(request: Request) -> Guesses:
    g = getattr(request.app.state, "booking_guesses", None)
    if g is None:
        g = request.app.state.booking_guesses = Guesses()
    return g


def lookup(request: Request, find):
    """`find()` under the guard: refused while the caller has too many misses; a miss is counted."""
    g = guesses(request)
    g.check(request)
    try:
        return find()
    except ApiError as exc:
        if exc.status == 404:
            g.missed(request)
        raise
