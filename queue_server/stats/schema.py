"""Per-ticket facts for the statistics, derived from tickets + ticket_events.

One row per ticket: its day, hours, dimensions and durations, recomputed whenever
an event about it is appended (`facts.refresh`). The issuing path is not touched:
no trigger, no extra write per ticket (issuance must not slow down); the facts
catch up when statistics are asked for, from a watermark on ticket_events.id.
Text dimensions are '' when unknown so a GROUP BY key is never NULL.
"""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("stats")


@migrations()
def m001_ticket_facts(db: Database) -> None:
    run_script(db, """
    CREATE TABLE stats_ticket_facts (
        ticket_id INTEGER PRIMARY KEY, day TEXT NOT NULL, issue_hour INTEGER NOT NULL,
        finish_day TEXT, finish_hour INTEGER,
        service TEXT NOT NULL, counter TEXT NOT NULL, officer TEXT NOT NULL,
        priority TEXT NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL,
        issued INTEGER NOT NULL, transferred_in INTEGER NOT NULL,
        served INTEGER NOT NULL, no_show INTEGER NOT NULL, cancelled INTEGER NOT NULL,
        transferred INTEGER NOT NULL, recalls INTEGER NOT NULL,
        wait_s REAL, service_s REAL);
    CREATE INDEX stats_facts_day ON stats_ticket_facts (day);
    CREATE TABLE stats_watermark (name TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
    """)
