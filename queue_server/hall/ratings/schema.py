"""Ratings table (one rating per ticket)."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("ratings")


@migrations()
def m001_ratings(db: Database) -> None:
    run_script(db, """
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id INTEGER NOT NULL UNIQUE,
        day TEXT NOT NULL, number TEXT NOT NULL,
        counter TEXT NOT NULL, service TEXT NOT NULL, officer TEXT,
        level TEXT NOT NULL CHECK (level IN ('very_satisfied', 'satisfied', 'dissatisfied')),
        reason TEXT, device TEXT, created_ts REAL NOT NULL);
    CREATE INDEX ratings_day ON ratings (day, counter);
    CREATE INDEX ratings_officer ON ratings (officer, day);
    """)
