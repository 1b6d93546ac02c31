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
        wait_s REAL, service_s REAL, wait_m INTEGER, service_m INTEGER, rating TEXT,
        call_ts REAL, end_ts REAL);
    CREATE INDEX stats_facts_day ON stats_ticket_facts (day);
    CREATE TABLE stats_watermark (name TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
    -- Roll-ups of past days: counts and sums per (dimension, key), and each duration's
    -- histogram in whole minutes, per day (unit 'd') and per ISO week (unit 'w', keyed by
    -- its Monday) so a 90-day range reads ~25 units of a few rows instead of every ticket.
    -- A day whose facts changed is "dirty": read live from the facts, rolled once it is
    -- over; a week is (re)rolled from its days once all of them are rolled.
    CREATE TABLE stats_dirty (day TEXT PRIMARY KEY);
    CREATE TABLE stats_dirty_weeks (monday TEXT PRIMARY KEY);
    CREATE TABLE stats_day_counts (
        dim TEXT NOT NULL, unit TEXT NOT NULL, day TEXT NOT NULL, k TEXT NOT NULL,
        issued INTEGER NOT NULL, transferred_in INTEGER NOT NULL, served INTEGER NOT NULL,
        no_show INTEGER NOT NULL, cancelled INTEGER NOT NULL, transferred INTEGER NOT NULL,
        recalls INTEGER NOT NULL, waits INTEGER NOT NULL, wait_sum REAL, wait_max REAL,
        services INTEGER NOT NULL, service_sum REAL, very_satisfied INTEGER NOT NULL,
        satisfied INTEGER NOT NULL, dissatisfied INTEGER NOT NULL, open_s REAL, busy_s REAL,
        PRIMARY KEY (dim, unit, day, k));
    CREATE TABLE stats_day_hist (
        dim TEXT NOT NULL, metric TEXT NOT NULL, unit TEXT NOT NULL, day TEXT NOT NULL, k TEXT NOT NULL,
        minute INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (dim, metric, unit, day, k, minute));
    -- the reasons given with ratings of a range, without reading every rating
    CREATE INDEX stats_rating_reasons ON ratings (day, level, reason) WHERE reason IS NOT NULL;
    """)
