"""A small per-client token bucket for citizens' endpoints called without a key."""
from __future__ import annotations

import threading
import time

from fastapi import Request

from queue_server.auth.guards import bearer
from queue_server.errors import ApiError


class RateLimiter:
    def __init__(self, per_minute: int):
        self.rate = per_minute / 60.0
        self.burst = max(1.0, per_minute / 6.0)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if len(self._buckets) > 10000:  # forget idle clients
                self._buckets.clear()
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return False
            self._buckets[client] = (tokens - 1, now)
            return True


async def public_rate_limit(request: Request) -> None:
    limiter: RateLimiter | None = request.app.state.rate_limiter
    if limiter is None or bearer(request):
        return
    client = request.client.host if request.client else "?"
    if not limiter.allow(client):
        raise ApiError(429, "rate_limited", "Quá nhiều yêu cầu, vui lòng thử lại sau ít phút",
                       "Too many requests, please retry shortly", {"Retry-After": "10"})
