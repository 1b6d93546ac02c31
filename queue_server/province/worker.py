"""The province's fact worker: derives each site's statistics facts and roll-ups as its
shipments arrive, so a statistics request only reads what is derived (and says how fresh
it is, stats.freshness) instead of computing a whole backlog while the viewer waits.

One thread with its own PostgreSQL connection (not one of the pool's: batches keep their
slots), started and stopped by the app's lifespan. It catches up one site per transaction,
then rolls the days that are over, then sleeps `idle_seconds` when there was nothing to do.
A site whose rows cannot be derived, or a store that is away, is tried again after a
growing pause (`Backoff`) and said once per pause in the log, not twice a second.
"""
from __future__ import annotations

import logging
import threading
import time
from zoneinfo import ZoneInfo

import psycopg

from queue_server.clock import Clock, service_day
from queue_server.province.stats import behind_sites, refresh_site, roll_past

log = logging.getLogger("motcua.province.worker")


class Backoff:
    """Pauses after failures, per key: `first` seconds, doubling up to `most`; a success forgets."""

    def __init__(self, first: float = 5.0, most: float = 300.0):
        self.first, self.most = first, most
        self._next: dict[str, tuple[float, float]] = {}   # key -> (next try at, pause that led there)

    def ready(self, key: str, now: float) -> bool:
        return now >= self._next.get(key, (0.0, 0.0))[0]

    def failed(self, key: str, now: float) -> float:
        """Records a failure; returns the pause before the next try."""
        pause = min(self.most, self._next[key][1] * 2) if key in self._next else self.first
        self._next[key] = (now + pause, pause)
        return pause

    def succeeded(self, key: str) -> None:
        self._next.pop(key, None)

    def pause(self, key: str) -> float:
        return self._next.get(key, (0.0, 0.0))[1]


class FactWorker:
    def __init__(self, dsn: str, tz: ZoneInfo, clock: Clock, idle_seconds: float = 0.5):
        self.dsn, self.tz, self.clock, self.idle_seconds = dsn, tz, clock, idle_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.backoff = Backoff()

    def start(self) -> "FactWorker":
        self._thread = threading.Thread(target=self._run, name="province-facts", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def step(self, conn: psycopg.Connection) -> int:
        """One pass: every site behind caught up, then the days that are over rolled; the work done."""
        done = 0
        for site in sorted(behind_sites(conn)):
            if self._stop.is_set():
                return done
            if not self.backoff.ready(site, time.monotonic()):
                continue
            try:
                done += refresh_site(conn, site, self.tz, self.clock().timestamp())
                self.backoff.succeeded(site)
            except psycopg.OperationalError:
                raise  # the link: the whole pass is retried on a new connection
            except Exception:  # one site's rows cannot be derived: the others still are (its lag shows it)
                first = self.backoff.pause(site) == 0
                pause = self.backoff.failed(site, time.monotonic())
                if first:
                    log.exception("province facts: site %s cannot be derived; next try in %.0f s", site, pause)
                else:
                    log.warning("province facts: site %s still cannot be derived; next try in %.0f s", site, pause)
        return done + roll_past(conn, service_day(self.clock(), self.tz))

    def _run(self) -> None:
        conn: psycopg.Connection | None = None
        while not self._stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=10)
                if self.step(conn):
                    self.backoff.succeeded("pass")
                    continue
                self.backoff.succeeded("pass")
            except Exception:  # the store is away or a pass failed: said in the log, tried again later
                first = self.backoff.pause("pass") == 0
                pause = self.backoff.failed("pass", time.monotonic())
                (log.exception if first else log.warning)("province facts: a pass failed; next try in %.0f s", pause)
                if conn is not None and (conn.closed or conn.info.transaction_status !=
                                         psycopg.pq.TransactionStatus.IDLE):
                    conn.close()
                    conn = None
                self._stop.wait(pause)
                continue
            self._stop.wait(self.idle_seconds)
        if conn is not None:
            conn.close()
