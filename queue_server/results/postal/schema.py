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


@migrations()
def m002_confirmations(db: Database) -> None:
    # A citizen's own request (kiosk, phone page) waits here until the one-time code sent to the
    # contact ON FILE comes back. Only the code's salted hash is kept (the clear code lives in
    # memory until the notice is sent: postal.codes); name, address and phone stay in clear only
    # while the request is pending, then they move to postal_requests or are erased.
    run_script(db, """
    CREATE TABLE postal_confirmations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        code TEXT NOT NULL REFERENCES dossiers(code),
        handle TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
        recipient TEXT, address TEXT, phone TEXT,
        recipient_masked TEXT NOT NULL, address_masked TEXT NOT NULL,
        code_hash TEXT NOT NULL, code_salt TEXT NOT NULL,
        issued_ts REAL NOT NULL, expires_ts REAL NOT NULL,
        failed_tries INTEGER NOT NULL DEFAULT 0, last_try_ts REAL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'confirmed', 'expired', 'replaced')),
        done_ts REAL);
    CREATE INDEX postal_confirm_code ON postal_confirmations (code, issued_ts);
    """)
