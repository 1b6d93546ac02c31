"""The SQLite store: WAL file, per-thread readers, ONE writer path.

Every state change goes through `Store.write()`: a process-wide lock plus
`BEGIN IMMEDIATE`, so two writers (threads here, or another process such as
`motcua user add`) never interleave and a crash leaves either all of a change
or none of it. Events emitted inside a write are published only after COMMIT.
"""
from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

from sqlite_utils import Database, Migrations

from queue_server.memo import Memo

Listener = Callable[[str, dict[str, Any]], None]
T = TypeVar("T")
BATCH_MAX = 256
# Under sustained writes a PASSIVE checkpoint never catches up with the WAL's end, so
# SQLite never starts the WAL over: the bench grew it by ~50 MB/s (690 MB in one 10 s
# phase). Past this many frames (64 MB) the checkpointer holds the writer lock for one
# short second pass; the next write then starts the WAL over, and journal_size_limit
# gives the file back.
WAL_RESET_FRAMES = 16384


class Tx:
    """One write transaction: `tx.db` to change rows, `tx.emit()` to announce them."""

    def __init__(self, db: Database, store: "Store"):
        self.db, self.store = db, store
        self.events: list[tuple[str, dict[str, Any]]] = []

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self.db.conn.execute(sql, tuple(params))

    def emit(self, type_: str, **payload: Any) -> None:
        self.events.append((type_, payload))

    def emit_lazy(self, type_: str, build: Callable[[], dict[str, Any]]) -> None:
        """Like `emit`, but the payload is built after COMMIT and only if someone listens
        (`Store.audience`): a ticket rendered for nobody is the costliest part of an event."""
        self.events.append((type_, build))


class Store:
    """`background_checkpoint`: copy the WAL into the database from a side thread every
    second instead of inside whichever request happens to cross the WAL size limit
    (that copy fsyncs, which made one request in ~100 take tens of milliseconds).
    `durable`: synchronous=FULL, the WAL is synced at every commit, so a committed ticket
    survives a power cut (NORMAL: a process crash only; after a power cut the last
    commits could be rolled back and their numbers, already printed, issued again)."""

    def __init__(self, path: Path | str, migration_sets: Iterable[Migrations] = (),
                 background_checkpoint: bool = False, durable: bool = True):
        self.path = Path(path)
        self._synchronous = "FULL" if durable else "NORMAL"
        self._background = background_checkpoint
        self._stop = threading.Event()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.RLock()
        self._conns: list[sqlite3.Connection] = []
        self._owners: dict[sqlite3.Connection, threading.Thread] = {}
        self.listeners: list[Listener] = []
        # Whether published events reach anyone (the app asks its bus: WebSocket clients
        # or in-process listeners); with no audience, events are dropped unbuilt.
        self.audience: Callable[[], bool] = lambda: True
        self.memo = Memo()  # derived figures; writers drop what they change
        db = self.db
        db.execute("PRAGMA journal_mode=WAL")
        for migrations in migration_sets:
            migrations.apply(db)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._pending: list[tuple[Callable[[], Any], asyncio.Future]] = []
        self._writer: threading.Thread | None = None
        self._checkpointer: threading.Thread | None = None
        if background_checkpoint:
            self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="wal-checkpoint", daemon=True)
            self._checkpointer.start()

    # -- group commit: writes handed over with `run()` (async routes) or `submit()` (threads)
    # that are pending together run in ONE transaction, a savepoint per job so a refused
    # job rolls back alone. Same rules, same BEGIN IMMEDIATE; only the commit is shared.
    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn()` in a write transaction shared with the other writes pending on this
        event loop (flushed on the loop's next turn, on the loop's thread: no GIL ping-pong
        with a writer thread). `fn` may use `store.write()`; never await run() inside a write."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((fn, future))
        if len(self._pending) == 1:
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        results = self._run_batch([fn for fn, _ in batch])
        for (_, future), (result, exc) in zip(batch, results):
            if future.cancelled():
                continue
            if exc is None:
                future.set_result(result)
            else:
                future.set_exception(exc)

    def submit(self, fn: Callable[[], T]) -> "Future[T]":
        """Thread-safe variant of `run()`: a writer thread batches whatever is queued."""
        future: Future = Future()
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._writer_loop, name="store-writer", daemon=True)
                    self._writer.start()
        self._jobs.put((fn, future))
        return future

    def _writer_loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            batch = [job]
            while len(batch) < BATCH_MAX:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._jobs.put(None)  # finish this batch, then stop
                    break
                batch.append(more)
            for (_, future), (result, exc) in zip(batch, self._run_batch([fn for fn, _ in batch])):
                if exc is None:
                    future.set_result(result)
                else:
                    future.set_exception(exc)

    def _run_batch(self, fns: list[Callable[[], Any]]) -> list[tuple[Any, BaseException | None]]:
        """All jobs in one transaction. Optimistic: no savepoints (a savepoint makes SQLite copy
        every page a job touches into a sub-journal: ~15-25 µs a ticket). If a job is refused,
        the whole transaction rolls back and the batch runs again with a savepoint per job, so
        only the refused job fails. Jobs are pure functions of the database (and `memo`, which
        a rollback clears), so running one twice gives the same outcome."""
        outcomes = self._transaction(fns, isolate=False)
        if outcomes is None:
            outcomes = self._transaction(fns, isolate=True)
        return outcomes

    def _transaction(self, fns: list[Callable[[], Any]], isolate: bool) -> list[tuple[Any, BaseException | None]] | None:
        """None: a job failed without isolation (everything rolled back; run again isolated)."""
        outcomes: list[tuple[Any, BaseException | None]] = []
        with self._lock:
            db = self.db
            try:
                db.conn.execute("BEGIN IMMEDIATE")
                tx = self._local.tx = Tx(db, self)
                for fn in fns:
                    if not isolate:
                        try:
                            outcomes.append((fn(), None))
                        except Exception as exc:
                            if db.conn.in_transaction:
                                db.conn.execute("ROLLBACK")
                            self.memo.clear()
                            return [(None, exc)] if len(fns) == 1 else None
                        continue
                    mark = len(tx.events)
                    db.conn.execute("SAVEPOINT job")
                    try:
                        result = fn()
                    except Exception as exc:  # handed to the caller
                        db.conn.execute("ROLLBACK TO job")
                        db.conn.execute("RELEASE job")
                        del tx.events[mark:]
                        self.memo.clear()
                        outcomes.append((None, exc))
                    else:
                        db.conn.execute("RELEASE job")
                        outcomes.append((result, None))
                db.conn.execute("COMMIT")
            except BaseException as exc:  # BEGIN or COMMIT failed: nobody's change exists
                if db.conn.in_transaction:
                    db.conn.execute("ROLLBACK")
                self.memo.clear()
                if not isinstance(exc, Exception):
                    raise
                return [(None, exc)] * len(fns)
            finally:
                self._local.tx = None
        self._publish(tx)
        return outcomes

    def _publish(self, tx: Tx) -> None:
        if not tx.events or not self.listeners or not self.audience():
            return
        for type_, payload in tx.events:
            if callable(payload):
                payload = payload()
            for listener in list(self.listeners):
                listener(type_, payload)

    def _checkpoint_loop(self) -> None:
        while not self._stop.wait(1.0):
            try:
                _, frames, _ = self.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if frames > WAL_RESET_FRAMES:  # copy the frames written meanwhile, writers held
                    with self._lock:
                        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:  # busy or closing: the next round will do it
                pass

    def _connect(self) -> Database:
        # isolation_level=None: we say BEGIN ourselves; Python never opens one behind our back.
        conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=30,
                               check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        if self._background:
            conn.execute("PRAGMA wal_autocheckpoint=0")
            conn.execute(f"PRAGMA journal_size_limit={WAL_RESET_FRAMES * 4096}")
        with self._lock:
            # A worker thread that ended (the thread pool retires idle ones) left its connection
            # here: close it, or each retired thread would keep one open with its page cache.
            for dead in [c for c, t in self._owners.items() if not t.is_alive()]:
                self._owners.pop(dead)
                self._conns.remove(dead)
                dead.close()
            self._conns.append(conn)
            self._owners[conn] = threading.current_thread()
        return Database(conn, execute_plugins=False)

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    @contextmanager
    def write(self) -> Iterator[Tx]:
        outer = getattr(self._local, "tx", None)
        if outer is not None:  # nested: same transaction, events published by the outer one
            yield outer
            return
        with self._lock:
            db = self.db
            db.conn.execute("BEGIN IMMEDIATE")
            tx = self._local.tx = Tx(db, self)
            try:
                yield tx
            except BaseException:
                if db.conn.in_transaction:
                    db.conn.execute("ROLLBACK")
                self.memo.clear()  # something may have been cached from rolled-back rows
                raise
            else:
                db.conn.execute("COMMIT")
            finally:
                self._local.tx = None
        self._publish(tx)

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cur = self.db.conn.execute(sql, tuple(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        if self._writer is not None:
            self._jobs.put(None)
            self._writer.join(10)
            self._writer = None
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join(5)
            self._checkpointer = None
            try:
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
            self._owners.clear()
        self._local = threading.local()
