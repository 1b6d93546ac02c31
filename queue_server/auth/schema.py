"""Auth tables beyond the accounts themselves: failed staff logins (throttle, then lock)."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("auth")


@migrations()
def m001_login_failures(db: Database) -> None:
    # Keyed by the name typed, known or not (the answer must not tell which names exist).
    run_script(db, """
    CREATE TABLE login_failures (
        username TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_ts REAL NOT NULL, locked_until_ts REAL);
    """)
