"""Locker tables: compartments (from the site config), parcels (one result in one
compartment, with its life), an append-only audit of every door command and
sensor change, and alerts for supervisors.

"A compartment never holds two results" and "a dossier is never in two
compartments" are unique partial indexes over the active parcel states, so
even a bug in the reservation code could not break them.
"""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("lockers")

ACTIVE = ("reserved", "depositing", "ready", "opening", "open", "return_due", "retrieving", "retrieve_open")
FINAL = ("collected", "returned", "cancelled")
_ACTIVE_SQL = ", ".join(f"'{s}'" for s in ACTIVE)


@migrations()
def m001_lockers(db: Database) -> None:
    run_script(db, f"""
    CREATE TABLE locker_compartments (
        kiosk TEXT NOT NULL, number INTEGER NOT NULL, board INTEGER NOT NULL, lock INTEGER NOT NULL,
        size TEXT NOT NULL CHECK (size IN ('S', 'M', 'L')), configured INTEGER NOT NULL DEFAULT 1,
        disabled INTEGER NOT NULL DEFAULT 0, disabled_reason TEXT,
        door_open INTEGER, item INTEGER, sensed_ts REAL, open_since_ts REAL,
        PRIMARY KEY (kiosk, number));
    CREATE TABLE locker_parcels (
        id INTEGER PRIMARY KEY AUTOINCREMENT, dossier TEXT NOT NULL, kiosk TEXT NOT NULL,
        number INTEGER NOT NULL, size TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ({_ACTIVE_SQL}, 'collected', 'returned', 'cancelled')),
        from_console INTEGER NOT NULL DEFAULT 0,
        code_hash TEXT, code_salt TEXT, code_expires_ts REAL, failed_tries INTEGER NOT NULL DEFAULT 0,
        locked_ts REAL, session TEXT,
        reserved_ts REAL NOT NULL, reserved_by TEXT, deposited_ts REAL, ready_ts REAL,
        reminders INTEGER NOT NULL DEFAULT 0, reminded_ts REAL, return_due_ts REAL,
        open_requested_ts REAL, open_confirmed_ts REAL, collected_ts REAL, collected_kiosk TEXT,
        retrieve_by TEXT, returned_ts REAL, end_reason TEXT, updated_ts REAL NOT NULL,
        FOREIGN KEY (kiosk, number) REFERENCES locker_compartments (kiosk, number));
    CREATE UNIQUE INDEX parcels_one_per_compartment ON locker_parcels (kiosk, number)
        WHERE state IN ({_ACTIVE_SQL});
    CREATE UNIQUE INDEX parcels_one_per_dossier ON locker_parcels (dossier) WHERE state IN ({_ACTIVE_SQL});
    CREATE INDEX parcels_state ON locker_parcels (state);
    CREATE TABLE locker_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, kiosk TEXT NOT NULL, number INTEGER,
        action TEXT NOT NULL, actor TEXT, purpose TEXT, reason TEXT, parcel_id INTEGER, dossier TEXT,
        door_open INTEGER, item INTEGER, data TEXT);
    CREATE INDEX locker_audit_where ON locker_audit (kiosk, number);
    CREATE TRIGGER locker_audit_no_update BEFORE UPDATE ON locker_audit
        BEGIN SELECT RAISE(ABORT, 'locker_audit is append-only'); END;
    CREATE TRIGGER locker_audit_no_delete BEFORE DELETE ON locker_audit
        BEGIN SELECT RAISE(ABORT, 'locker_audit is append-only'); END;
    CREATE TABLE locker_alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, kiosk TEXT NOT NULL, number INTEGER,
        kind TEXT NOT NULL, parcel_id INTEGER, dossier TEXT, message_vi TEXT NOT NULL,
        message_en TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'ack')),
        ack_ts REAL, ack_by TEXT);
    CREATE INDEX locker_alerts_open ON locker_alerts (state, kiosk);
    """)


@migrations()
def m002_pickup_brakes(db: Database) -> None:
    # Wrong codes slow a dossier down instead of locking it (last_try_ts: the wait runs from the
    # last wrong code); a citizen may ask for a new code a while after the last one was issued.
    run_script(db, """
    ALTER TABLE locker_parcels ADD COLUMN last_try_ts REAL;
    ALTER TABLE locker_parcels ADD COLUMN code_issued_ts REAL;
    """)
