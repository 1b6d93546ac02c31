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
    def __init__(self, path: Path | str, migration_sets: Iterable[Migrations] = ()):
        self.path = Path(path)
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

    def _connect(self) -> Database:
        # isolation_level=None: we say BEGIN ourselves; Python never opens one behind our back.
        conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=30,
                               check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across process crashes
        conn.execute("PRAGMA foreign_keys=ON")
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
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
        self._local = threading.local()
