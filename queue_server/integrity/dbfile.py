"""Is the file at `--db` a healthy SQLite database? Asked before anything opens it for writing.

SQLite happily turns a zero-length file into a new, empty database, and a server
that starts on a damaged file writes on top of the damage. Both lose a center's
day: a zero-length file is usually a real database that a failed copy replaced.
So: no file → a new database; anything else must be an intact SQLite database,
checked read-only (nothing is created or changed next to a refused file).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

HEADER = b"SQLite format 3\x00"


class DatabaseRefused(ValueError):
    """One line for the operator: what is wrong with which file, and what to do."""


def check_database(path: Path) -> None:
    """Raise DatabaseRefused unless `path` is absent or an intact SQLite database."""
    path = Path(path)
    if not path.exists():
        if path.is_symlink():
            raise DatabaseRefused(f"{path}: a link to a missing file; fix the link or --db")
        return
    if path.is_dir():
        raise DatabaseRefused(f"{path} is a directory, not a database file; give --db a file path")
    if not path.is_file():
        raise DatabaseRefused(f"{path} is not a regular file")
    try:
        with open(path, "rb") as f:
            head = f.read(len(HEADER))
    except OSError as exc:
        raise DatabaseRefused(f"{path}: cannot be read ({exc.strerror})") from None
    if not head:
        raise DatabaseRefused(f"{path} is empty (0 bytes): restore the database from a backup, "
                              "or delete the file to start a new one")
    if head != HEADER:
        raise DatabaseRefused(f"{path} is not an SQLite database (wrong header); check --db")
    problem = _quick_check(path)
    if problem:
        raise DatabaseRefused(f"{path} is damaged ({problem}); restore it from a backup")


def _quick_check(path: Path) -> str | None:
    """PRAGMA quick_check, read-only: None when intact, else SQLite's first complaint."""
    # immutable: no lock, no -wal/-shm created beside the file (a WAL left by a crash is not
    # read: the main file alone must be intact, and the server replays the WAL when it opens it).
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = conn.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    found = [r[0] for r in rows if r[0] != "ok"]
    return "; ".join(found)[:300] or None
