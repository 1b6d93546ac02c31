"""The SQLite store: WAL file, per-thread readers, ONE writer path.

Every state change goes through `Store.write()`: a process-wide lock plus
`BEGIN IMMEDIATE`, so two writers (threads here, or another process such as
`motcua user add`) never interleave and a crash leaves either all of a change
or none of it. Events emitted inside a write are published only after COMMIT.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sqlite_utils import Database, Migrations

from .memo import Memo

Listener = Callable[[str, dict[str, Any]], None]


class Tx:
    """One write transaction: `tx.db` to change rows, `tx.emit()` to announce them."""

    def __init__(self, db: Database, store: "Store"):
        self.db, self.store = db, store
        self.events: list[tuple[str, dict[str, Any]]] = []

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self.db.conn.execute(sql, tuple(params))

    def emit(self, type_: str, **payload: Any) -> None:
        self.events.append((type_, payload))


class Store:
    """`background_checkpoint`: copy the WAL into the database from a side thread every
    second instead of inside whichever request happens to cross the WAL size limit
    (that copy fsyncs, which made one request in ~100 take tens of milliseconds)."""

    def __init__(self, path: Path | str, migration_sets: Iterable[Migrations] = (),
                 background_checkpoint: bool = False):
        self.path = Path(path)
        self._background = background_checkpoint
        self._stop = threading.Event()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.RLock()
        self._conns: list[sqlite3.Connection] = []
        self.listeners: list[Listener] = []
        self.memo = Memo()  # derived figures; writers drop what they change
        db = self.db
        db.execute("PRAGMA journal_mode=WAL")
        for migrations in migration_sets:
            migrations.apply(db)
        self._checkpointer: threading.Thread | None = None
        if background_checkpoint:
            self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="wal-checkpoint", daemon=True)
            self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:  # busy or closing: the next round will do it
                pass

    def _connect(self) -> Database:
        # isolation_level=None: we say BEGIN ourselves; Python never opens one behind our back.
        conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=30,
                               check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across process crashes
        conn.execute("PRAGMA foreign_keys=ON")
        if self._background:
            conn.execute("PRAGMA wal_autocheckpoint=0")
        with self._lock:
            self._conns.append(conn)
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
        for type_, payload in tx.events:
            for listener in list(self.listeners):
                listener(type_, payload)

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cur = self.db.conn.execute(sql, tuple(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
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
        self._local = threading.local()
