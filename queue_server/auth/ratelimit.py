"""Token buckets for citizens' endpoints, keyed by who is VERIFIED to be asking.

A valid staff session or device key gets a bucket of its own (PRINCIPAL_FACTOR times the
anonymous budget: a kiosk or a console polls more than a phone); everything else — no
credential, a malformed, unknown, expired or revoked one — is charged to the client
address's anonymous bucket. Sending some `Authorization` header therefore buys nothing.
"""
from __future__ import annotations

import threading
import time

from fastapi import Request

from queue_server.auth.guards import principal_of
from queue_server.errors import ApiError

PRINCIPAL_FACTOR = 10


class RateLimiter:
    def __init__(self, per_minute: int):
        self.rate = per_minute / 60.0
        self.burst = max(1.0, per_minute / 6.0)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, weight: float = 1.0) -> bool:
        """Take one token from `client`'s bucket; `weight` scales its size and refill (principals)."""
        now = time.monotonic()
        rate, burst = self.rate * weight, self.burst * weight
        with self._lock:
            tokens, last = self._buckets.get(client, (burst, now))
            tokens = min(burst, tokens + (now - last) * rate)
            if len(self._buckets) > 10000:  # forget clients whose bucket has refilled (they lose nothing)
                self._buckets = {k: (t, ts) for k, (t, ts) in self._buckets.items()
                                 if t + (now - ts) * self.rate < self.burst}
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return False
            self._buckets[client] = (tokens - 1, now)
            return True


def client_key(request: Request) -> tuple[str, float]:
    """("staff:3" | "device:7", factor) for a verified caller, ("ip:…", 1) for everyone else."""
    try:
        who = principal_of(request)
    except ApiError:  # a credential that does not verify is no credential
        who = None
    if who is not None:
        return f"{who.kind}:{who.id}", PRINCIPAL_FACTOR
    return f"ip:{request.client.host if request.client else '?'}", 1.0


async def public_rate_limit(request: Request) -> None:
    limiter: RateLimiter | None = request.app.state.rate_limiter
    if limiter is None:
        return
    key, weight = client_key(request)
    if not limiter.allow(key, weight):
        raise ApiError(429, "rate_limited", "Quá nhiều yêu cầu, vui lòng thử lại sau ít phút",
                       "Too many requests, please retry shortly", {"Retry-After": "10"})
