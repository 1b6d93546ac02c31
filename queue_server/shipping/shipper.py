"""The shipper: a background thread that sends the site's logs to the province, batch by batch.

At-least-once: a batch is sent again until the province acknowledges it; the province
applies rows by key, so a batch applied twice changes nothing. Ordered: one batch in
flight, the next read after the previous was acknowledged. Resumable: the acknowledged
cursor is stored in SQLite, and at start the province's own cursor wins (a batch applied
whose answer was lost is not re-read; a province restored from an older backup gets the
missing rows again). Backpressure: `batch_size` rows per log per request (halved when the
province answers 413); 429/503 wait for Retry-After; any other failure waits 1, 2, 4 … `max_backoff_seconds` (with jitter).
"""
from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any, Callable

import httpx
import orjson

from queue_server.clock import iso_local, utc_now
from queue_server.shipping.config import ProvinceLink
from queue_server.shipping.reader import pending, read_batch
from queue_server.shipping.tables import LOGS, Cursor, zero_cursor
from queue_server.store import Store

log = logging.getLogger("motcua.shipping")
BATCHES = "/api/v1/province/batches"
CURSOR = "/api/v1/province/cursor"
HEARTBEAT_SECONDS = 30  # an idle site still tells the province it is alive (and re-reads its cursor)


def load_cursor(store: Store) -> Cursor:
    cursor = zero_cursor()
    for row in store.query("SELECT log, last_id FROM shipping_cursor"):
        if row["log"] in cursor:
            cursor[row["log"]] = row["last_id"]
    return cursor


def save_cursor(store: Store, cursor: Cursor, ts: float) -> None:
    with store.write() as tx:
        for log_ in LOGS:
            tx.execute("INSERT INTO shipping_cursor (log, last_id, acked_ts) VALUES (?, ?, ?) "
                       "ON CONFLICT(log) DO UPDATE SET last_id = excluded.last_id, acked_ts = excluded.acked_ts",
                       (log_.name, int(cursor.get(log_.name, 0)), ts))


def shipping_lag(store: Store, now_ts: float) -> dict[str, Any]:
    """What the dashboard shows: rows not yet at the province and how old the oldest is."""
    count, oldest = pending(store.db.conn, load_cursor(store))
    acked = store.one("SELECT MAX(acked_ts) AS ts FROM shipping_cursor")
    return {"pending": count, "lag_seconds": round(max(0.0, now_ts - oldest)) if oldest else 0,
            "last_ack": iso_local(acked["ts"]) if acked and acked["ts"] else None}


class Shipper:
    def __init__(self, store: Store, link: ProvinceLink, clock: Callable = utc_now,
                 transport: httpx.BaseTransport | None = None):
        self.store, self.link, self.clock = store, link, clock
        self.client = httpx.Client(base_url=link.url, timeout=httpx.Timeout(30.0, connect=5.0),
                                   headers={"Authorization": f"Bearer {link.key}"}, transport=transport)
        self.status: dict[str, Any] = {"state": "starting", "error": None, "batches": 0, "rows": 0}
        self._synced = False       # the province's cursor was read since start
        self._heard = 0.0          # time.monotonic() of the last answer from the province
        self._failures = 0
        self.batch_size = link.batch_size  # halved when the province finds a batch too large (413)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle (the server's lifespan)
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="province-shipper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)  # a request in flight is simply sent again after the restart
        self.client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.step()
            except Exception as exc:  # never let the thread die: the site keeps working, shipping retries
                log.exception("shipping step failed")
                wait = self._failed(f"{type(exc).__name__}: {exc}")
            if wait:
                self._stop.wait(wait)

    # -- one attempt; returns the seconds to wait before the next
    def step(self) -> float:
        try:
            if not self._synced or time.monotonic() - self._heard > HEARTBEAT_SECONDS:
                r = self.client.get(CURSOR)
                if r.status_code != 200:
                    return self._refused(r)
                save_cursor(self.store, r.json()["cursor"], self.clock().timestamp())
                self._synced, self._heard = True, time.monotonic()
            batch = read_batch(self.store.db.conn, load_cursor(self.store), self.batch_size)
            if batch is None:
                self._ok("idle")
                return self.link.interval_seconds
            batch["site"] = self.link.site
            if self.link.center:
                batch["center"] = self.link.center
            if self.link.services:
                batch["services"] = dict(self.link.services)
            r = self.client.post(BATCHES, content=orjson.dumps(batch),
                                 headers={"Content-Type": "application/json"})
        except httpx.HTTPError as exc:
            return self._failed(f"{type(exc).__name__}: {exc}")
        if r.status_code == 200 or (r.status_code == 409 and "cursor" in _json(r)):
            # 409: the province holds another cursor (restored from backup, or ahead): resume from it
            save_cursor(self.store, _json(r)["cursor"], self.clock().timestamp())
            self._heard = time.monotonic()
            if r.status_code == 200:
                self.status["batches"] += 1
                self.status["rows"] += sum(len(v["rows"]) for v in batch["logs"].values())
            self._ok("shipping")
            return 0.0
        return self._refused(r)

    def _ok(self, state: str) -> None:
        self._failures = 0
        self.status.update(state=state, error=None)

    def _refused(self, r: httpx.Response) -> float:
        error = _json(r).get("error", {}).get("message") or f"HTTP {r.status_code}"
        if r.status_code in (429, 503):  # the province asks us to slow down
            self.status.update(state="throttled", error=error)
            try:
                return min(float(r.headers.get("retry-after", "1")), self.link.max_backoff_seconds)
            except ValueError:
                return 1.0
        if r.status_code == 413 and self.batch_size > 1:  # smaller batches, at once
            self.batch_size = max(1, self.batch_size // 2)
            self.status.update(state="shipping", error=error)
            return 0.0
        if r.status_code in (401, 403):  # a wrong key does not fix itself: retry slowly, say it
            self.status.update(state="refused", error=error)
            return self.link.max_backoff_seconds
        return self._failed(error)

    def _failed(self, error: str) -> float:
        self._failures += 1
        self.status.update(state="retrying", error=error)
        base = min(self.link.max_backoff_seconds, 2.0 ** min(self._failures - 1, 16))
        return base * random.uniform(0.5, 1.0)


def _json(r: httpx.Response) -> dict:
    try:
        body = r.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
