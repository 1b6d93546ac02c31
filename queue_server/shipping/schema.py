"""The site's shipping cursor: per log, the last id the province acknowledged."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("shipping")


@migrations()
def m001_cursor(db: Database) -> None:
    # locker_audit_parcel: the shipper reads a parcel's newest audit id (its version).
    run_script(db, """
    CREATE TABLE shipping_cursor (
        log TEXT PRIMARY KEY, last_id INTEGER NOT NULL, acked_ts REAL NOT NULL);
    CREATE INDEX IF NOT EXISTS locker_audit_parcel ON locker_audit (parcel_id);
    """)
