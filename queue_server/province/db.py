"""A few PostgreSQL connections shared by the request threads, at most `size` in use.

The limit is the province's backpressure: a batch that finds no free connection within
`wait` seconds is answered 503 + Retry-After, and the site's shipper waits and retries.
"""
from __future__ import annotations

import queue
import threading
from contextlib import contextmanager
from typing import Iterator

import psycopg


class Busy(Exception):
    """Every connection is in use for longer than the caller wanted to wait."""


class Pool:
    def __init__(self, dsn: str, size: int):
        self.dsn, self.size = dsn, size
        self._free: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._all: list[psycopg.Connection] = []
        self._lock = threading.Lock()

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.dsn, autocommit=True, connect_timeout=10)

    @contextmanager
    def connection(self, wait: float = 5.0) -> Iterator[psycopg.Connection]:
        if not self._slots.acquire(timeout=wait):
            raise Busy()
        conn = None
        try:
            try:
                conn = self._free.get_nowait()
            except queue.Empty:
                conn = self.connect()
                with self._lock:
                    self._all.append(conn)
            yield conn
        except psycopg.OperationalError:
            if conn is not None:  # a broken link: never hand this one out again
                self._discard(conn)
                conn = None
            raise
        finally:
            if conn is not None:
                if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    self._discard(conn)
                else:
                    self._free.put(conn)
            self._slots.release()

    def _discard(self, conn: psycopg.Connection) -> None:
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        try:
            conn.close()
        except psycopg.Error:
            pass

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            try:
                conn.close()
            except psycopg.Error:
                pass
