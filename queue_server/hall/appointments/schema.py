"""Appointments: one row per booking; no-shows remembered by phone hash only."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("appointments")


@migrations()
def m001_appointments(db: Database) -> None:
    run_script(db, """
    CREATE TABLE appointments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        code TEXT NOT NULL UNIQUE,              -- what the citizen types or scans
        service TEXT NOT NULL, day TEXT NOT NULL,
        start_ts REAL NOT NULL, end_ts REAL NOT NULL,
        state TEXT NOT NULL DEFAULT 'booked'
            CHECK (state IN ('booked', 'cancelled', 'checked_in', 'no_show')),
        phone_hash TEXT, phone_masked TEXT,     -- erased after the day
        created_ts REAL NOT NULL, checked_in_ts REAL,
        ticket_id INTEGER REFERENCES tickets(id));
    CREATE INDEX appointments_slot ON appointments (service, start_ts, state);
    CREATE INDEX appointments_day ON appointments (day, service, state);
    -- a no-show, by the keyed hash of the phone that booked it; aged out after no_show_days
    CREATE TABLE appointment_no_shows (phone_hash TEXT NOT NULL, day TEXT NOT NULL);
    CREATE INDEX appointment_no_shows_phone ON appointment_no_shows (phone_hash, day);
    """)
