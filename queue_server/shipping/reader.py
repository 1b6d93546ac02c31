"""Reading the next batch of a site's logs from SQLite, from a cursor (last shipped id per log)."""
from __future__ import annotations

import sqlite3
from typing import Any

from queue_server.shipping.tables import LOGS, TS_COLUMN, Cursor


def read_batch(conn: sqlite3.Connection, cursor: Cursor, limit: int) -> dict[str, Any] | None:
    """The next rows of every log after `cursor` (at most `limit` per log) with the current
    state of the rows they change, read in one snapshot; None when nothing is left."""
    logs: dict[str, Any] = {}
    parents: dict[str, Any] = {}
    to = dict(cursor)
    conn.execute("BEGIN")  # one read snapshot: parents as of the same instant as their logs
    try:
        for log in LOGS:
            rows = conn.execute(
                f"SELECT {', '.join(log.columns)} FROM {log.name} WHERE id > ? ORDER BY id LIMIT ?",
                (cursor.get(log.name, 0), limit)).fetchall()
            if not rows:
                continue
            logs[log.name] = {"columns": list(log.columns), "rows": [list(r) for r in rows]}
            to[log.name] = rows[-1][0]
            if log.parent:
                link = log.columns.index(log.link)
                keys = sorted({r[link] for r in rows if r[link] is not None})
                if keys:
                    parents[log.parent] = {"columns": [*log.parent_columns, "version"],
                                           "rows": _parents(conn, log, keys)}
        pending, oldest = _pending(conn, to)
    finally:
        conn.execute("COMMIT")
    if not logs:
        return None
    return {"from": dict(cursor), "to": to, "logs": logs, "parents": parents,
            "pending": pending, "oldest_pending_ts": oldest}


def _parents(conn: sqlite3.Connection, log, keys: list) -> list[list]:
    out: list[list] = []
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        # version: the newest log row touching the parent when read (the province keeps the highest)
        out += [list(r) for r in conn.execute(
            f"SELECT {', '.join('p.' + c for c in log.parent_columns)}, "
            f"(SELECT MAX(l.id) FROM {log.name} l WHERE l.{log.link} = p.{log.parent_key}) "
            f"FROM {log.parent} p WHERE p.{log.parent_key} IN ({marks})", chunk)]
    return out


def _pending(conn: sqlite3.Connection, cursor: Cursor) -> tuple[int, float | None]:
    count, oldest = 0, None
    for log in LOGS:
        after = cursor.get(log.name, 0)
        n = conn.execute(f"SELECT COUNT(*) FROM {log.name} WHERE id > ?", (after,)).fetchone()[0]
        first = conn.execute(f"SELECT {TS_COLUMN[log.name]} FROM {log.name} WHERE id > ? ORDER BY id LIMIT 1",
                             (after,)).fetchone()
        ts = first[0] if first else None
        count += n
        if ts is not None and (oldest is None or ts < oldest):
            oldest = ts
    return count, oldest


def pending(conn: sqlite3.Connection, cursor: Cursor) -> tuple[int, float | None]:
    """(rows not yet acknowledged by the province, time of the oldest of them)."""
    return _pending(conn, cursor)
