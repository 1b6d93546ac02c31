"""Postal return requests. Name, address and phone are kept in clear only until the result is
handed to the post (they are on the signed handover list); then only masked forms remain."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("postal")


@migrations()
def m001_postal(db: Database) -> None:
    run_script(db, """
    CREATE TABLE postal_requests (
        code TEXT PRIMARY KEY REFERENCES dossiers(code),
        recipient TEXT, address TEXT, phone TEXT,
        recipient_masked TEXT NOT NULL, address_masked TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'handed', 'cancelled')),
        requested_ts REAL NOT NULL, requested_by TEXT NOT NULL,
        handed_ts REAL, handed_by TEXT);
    CREATE INDEX postal_state ON postal_requests (state);
    """)
