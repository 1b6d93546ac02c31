"""Queue alerts: one row per ticket whose holder asked for an SMS.

`phone` is the only clear copy of the number and lives only while a notice may still be
due (it is wiped when the ticket ends and the row is deleted after the day); every other
place (logs, the outbox's `recipient_masked`, API answers) has `phone_masked`.
`phone_hash` (keyed, per day) lets the rules see "the same number" without reading it.
"""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("alerts")


@migrations()
def m001_ticket_alerts(db: Database) -> None:
    # near_ts: when the "N people ahead" notice was queued (at most once);
    # called_ticket: the ticket whose call was notified (a transfer's new call is a new moment).
    run_script(db, """
    CREATE TABLE ticket_alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id INTEGER NOT NULL UNIQUE, day TEXT NOT NULL,
        phone TEXT, phone_hash TEXT NOT NULL, phone_masked TEXT NOT NULL, lang TEXT NOT NULL,
        threshold INTEGER NOT NULL, created_ts REAL NOT NULL,
        near_ts REAL, called_ticket INTEGER, closed_ts REAL);
    CREATE INDEX ticket_alerts_open ON ticket_alerts (closed_ts) WHERE closed_ts IS NULL;
    CREATE INDEX ticket_alerts_day ON ticket_alerts (day);
    """)
