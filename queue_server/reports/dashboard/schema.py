"""Device health reported by kiosks, displays and tablets."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("dashboard")


@migrations()
def m001_device_health(db: Database) -> None:
    run_script(db, """
    CREATE TABLE device_health (
        device TEXT PRIMARY KEY, role TEXT NOT NULL, status TEXT NOT NULL,
        components TEXT NOT NULL, reported_ts REAL NOT NULL);
    """)
