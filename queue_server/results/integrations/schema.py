"""Integration tables: the source's version of each dossier (and the applicant's consent to
notices), notices already sent per change, pull cursors and health, rejected items, and the
outbox of results reported back (status 10)."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("integrations")


@migrations()
def m001_integrations(db: Database) -> None:
    run_script(db, """
    CREATE TABLE integration_versions (
        code TEXT PRIMARY KEY, status INTEGER NOT NULL, status_ts REAL NOT NULL,
        source TEXT NOT NULL, applied_ts REAL NOT NULL,
        consent INTEGER NOT NULL DEFAULT 0);  -- the applicant agreed to notices (Zalo / SMS / e-mail)
    CREATE TABLE integration_notices (
        code TEXT NOT NULL, key TEXT NOT NULL, ts REAL NOT NULL,
        PRIMARY KEY (code, key));              -- one notice per change, whatever the road and retries
    CREATE TABLE integration_sources (
        name TEXT PRIMARY KEY, url TEXT NOT NULL, cursor TEXT,
        last_attempt_ts REAL, last_success_ts REAL, last_error TEXT, last_error_ts REAL,
        failures INTEGER NOT NULL DEFAULT 0, lag_s REAL, applied_total INTEGER NOT NULL DEFAULT 0,
        rejected_total INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE integration_rejects (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, source TEXT NOT NULL,
        code TEXT, reason TEXT NOT NULL);
    CREATE INDEX integration_rejects_ts ON integration_rejects (ts);
    CREATE TABLE integration_results (
        id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE,
        handed_over_ts REAL NOT NULL, channel TEXT NOT NULL CHECK (channel IN ('locker', 'counter', 'post')),
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0, next_ts REAL NOT NULL, last_error TEXT,
        created_ts REAL NOT NULL, acked_ts REAL);
    CREATE INDEX integration_results_due ON integration_results (state, next_ts);
    """)
