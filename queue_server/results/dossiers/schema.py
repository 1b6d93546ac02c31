"""Dossiers and their per-agency, per-day code sequences."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("dossiers")


@migrations()
def m001_dossiers(db: Database) -> None:
    run_script(db, """
    CREATE TABLE dossier_sequences (
        agency TEXT NOT NULL, day TEXT NOT NULL, last_seq INTEGER NOT NULL,
        PRIMARY KEY (agency, day));
    CREATE TABLE dossiers (
        code TEXT PRIMARY KEY, agency TEXT NOT NULL, day TEXT NOT NULL, seq INTEGER NOT NULL,
        procedure TEXT NOT NULL DEFAULT '', applicant_masked TEXT NOT NULL DEFAULT '',
        phone TEXT, email TEXT, zalo_id TEXT,
        received_ts REAL NOT NULL, due_ts REAL,
        status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10), status_ts REAL NOT NULL,
        collected_ts REAL, collected_kiosk TEXT, returned_to_counter_ts REAL,
        source TEXT NOT NULL DEFAULT 'staff', created_by TEXT, created_ts REAL NOT NULL,
        UNIQUE (agency, day, seq));
    CREATE INDEX dossiers_status ON dossiers (status);
    CREATE TABLE dossier_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL REFERENCES dossiers(code),
        ts REAL NOT NULL, type TEXT NOT NULL, status_from INTEGER, status_to INTEGER,
        actor TEXT, data TEXT);
    CREATE INDEX dossier_events_code ON dossier_events (code);
    CREATE TRIGGER dossier_events_no_update BEFORE UPDATE ON dossier_events
        BEGIN SELECT RAISE(ABORT, 'dossier_events is append-only'); END;
    CREATE TRIGGER dossier_events_no_delete BEFORE DELETE ON dossier_events
        BEGIN SELECT RAISE(ABORT, 'dossier_events is append-only'); END;
    """)


@migrations()
def m002_channel(db: Database) -> None:
    # How the dossier was submitted (national portal codes: 1 direct, 2 online, 3 public
    # post): Decision 766's channel share needs it. Older rows were taken at the counter.
    run_script(db, """
    ALTER TABLE dossiers ADD COLUMN channel INTEGER NOT NULL DEFAULT 1 CHECK (channel IN (1, 2, 3));
    CREATE INDEX dossiers_received ON dossiers (received_ts);
    """)
