"""The province's PostgreSQL schema, as migrations in code (applied in order at start).

The site tables mirror the SQLite tables of the same name (queue_server/shipping/tables.py
lists the shipped columns) with a `site` column first and keys (site, id): the same SQL,
with `site = %s` or `GROUP BY site`, runs on a site box and on the province.
Each migration runs in one transaction under an advisory lock (two servers starting at
once apply it once); applied names are kept in `province_migrations`.
"""
from __future__ import annotations

import psycopg

LOCK_ID = 7_316_004  # any constant: serialises migrations between processes

MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("m001_sites_and_keys", """
    CREATE TABLE province_keys (
        name text PRIMARY KEY, role text NOT NULL CHECK (role IN ('site', 'viewer')),
        key_hash text NOT NULL UNIQUE, active boolean NOT NULL DEFAULT true,
        created_ts double precision NOT NULL);
    CREATE TABLE sites (
        site text PRIMARY KEY, "cursor" jsonb NOT NULL DEFAULT '{}'::jsonb,
        batches bigint NOT NULL DEFAULT 0, rows bigint NOT NULL DEFAULT 0,
        last_batch_ts double precision, last_seen_ts double precision, pending bigint NOT NULL DEFAULT 0,
        oldest_pending_ts double precision);
    """),
    ("m002_site_tables", """
    CREATE TABLE tickets (
        site text NOT NULL, id bigint NOT NULL, day text NOT NULL, service text NOT NULL,
        seq integer NOT NULL, number text NOT NULL, priority text, priority_by text,
        channel text NOT NULL, state text NOT NULL,
        issued_ts double precision NOT NULL, arrived_ts double precision NOT NULL,
        called_ts double precision, started_ts double precision, finished_ts double precision,
        counter text, recalls integer NOT NULL DEFAULT 0, transferred_from bigint, transferred_to bigint,
        issued_by text, version bigint NOT NULL, PRIMARY KEY (site, id));
    CREATE INDEX tickets_day ON tickets (day, site);
    CREATE TABLE ticket_events (
        site text NOT NULL, id bigint NOT NULL, ticket_id bigint NOT NULL, ts double precision NOT NULL,
        type text NOT NULL, counter text, actor text, data text, PRIMARY KEY (site, id));
    CREATE TABLE ratings (
        site text NOT NULL, id bigint NOT NULL, ticket_id bigint NOT NULL, day text NOT NULL,
        number text NOT NULL, counter text NOT NULL, service text NOT NULL, officer text,
        level text NOT NULL, reason text, device text, created_ts double precision NOT NULL,
        PRIMARY KEY (site, id));
    CREATE INDEX ratings_day ON ratings (day, site);
    CREATE TABLE dossiers (
        site text NOT NULL, code text NOT NULL, agency text NOT NULL, day text NOT NULL,
        seq integer NOT NULL, procedure text NOT NULL DEFAULT '', applicant_masked text NOT NULL DEFAULT '',
        received_ts double precision NOT NULL, due_ts double precision, status integer NOT NULL,
        status_ts double precision NOT NULL, collected_ts double precision, collected_kiosk text,
        returned_to_counter_ts double precision, source text NOT NULL, created_by text,
        created_ts double precision NOT NULL, version bigint NOT NULL, PRIMARY KEY (site, code));
    CREATE INDEX dossiers_day ON dossiers (day, site);
    CREATE TABLE dossier_events (
        site text NOT NULL, id bigint NOT NULL, code text NOT NULL, ts double precision NOT NULL,
        type text NOT NULL, status_from integer, status_to integer, actor text, data text,
        PRIMARY KEY (site, id));
    CREATE TABLE locker_parcels (
        site text NOT NULL, id bigint NOT NULL, dossier text NOT NULL, kiosk text NOT NULL,
        number integer NOT NULL, size text NOT NULL, state text NOT NULL, from_console integer NOT NULL,
        reserved_ts double precision NOT NULL, reserved_by text, deposited_ts double precision,
        ready_ts double precision, reminders integer NOT NULL DEFAULT 0, reminded_ts double precision,
        return_due_ts double precision, open_requested_ts double precision,
        open_confirmed_ts double precision, collected_ts double precision, collected_kiosk text,
        retrieve_by text, returned_ts double precision, end_reason text,
        updated_ts double precision NOT NULL, version bigint NOT NULL, PRIMARY KEY (site, id));
    CREATE TABLE locker_audit (
        site text NOT NULL, id bigint NOT NULL, ts double precision NOT NULL, kiosk text NOT NULL,
        number integer, action text NOT NULL, actor text, purpose text, reason text, parcel_id bigint,
        dossier text, door_open integer, item integer, data text, PRIMARY KEY (site, id));
    """),
    ("m003_stats_facts", """
    -- The statistics' per-ticket facts (queue_server/reports/stats/facts.py), derived at the province
    -- from the mirrored tickets/ticket_events/ratings by the same code as on a site box.
    CREATE TABLE stats_ticket_facts (
        site text NOT NULL, ticket_id bigint NOT NULL, day text NOT NULL, issue_hour integer NOT NULL,
        finish_day text, finish_hour integer,
        service text NOT NULL, counter text NOT NULL, officer text NOT NULL,
        priority text NOT NULL, channel text NOT NULL, state text NOT NULL,
        issued integer NOT NULL, transferred_in integer NOT NULL,
        served integer NOT NULL, no_show integer NOT NULL, cancelled integer NOT NULL,
        transferred integer NOT NULL, recalls integer NOT NULL,
        wait_s double precision, service_s double precision, wait_m integer, service_m integer, rating text,
        call_ts double precision, end_ts double precision, PRIMARY KEY (site, ticket_id));
    CREATE INDEX stats_facts_day ON stats_ticket_facts (day, site);
    CREATE TABLE stats_watermark (site text NOT NULL, name text NOT NULL, last_id bigint NOT NULL,
        PRIMARY KEY (site, name));
    -- a ticket's events and rating, read when its facts are derived again
    CREATE INDEX ticket_events_ticket ON ticket_events (site, ticket_id);
    CREATE INDEX ratings_ticket ON ratings (site, ticket_id);
    -- the reception channel (1 direct, 2 online, 3 post): Decision 766's online share
    ALTER TABLE dossiers ADD COLUMN channel integer NOT NULL DEFAULT 1;
    """),
    ("m004_stats_rollups", """
    -- The site box's daily and weekly roll-ups (queue_server/reports/stats/rollup.py, the same statements),
    -- one set per site: a month across 170 sites reads ~30 rows per site and key, not every ticket.
    -- A (site, day) whose facts changed is dirty: read live from the facts until it is rolled.
    CREATE TABLE stats_dirty (site text NOT NULL, day text NOT NULL, PRIMARY KEY (site, day));
    CREATE INDEX stats_dirty_day ON stats_dirty (day);
    CREATE TABLE stats_dirty_weeks (site text NOT NULL, monday text NOT NULL, PRIMARY KEY (site, monday));
    -- facts derived before this migration: their days are read live until the worker rolls them
    INSERT INTO stats_dirty (site, day) SELECT DISTINCT site, day FROM stats_ticket_facts;
    CREATE TABLE stats_day_counts (
        site text NOT NULL, dim text NOT NULL, unit text NOT NULL, day text NOT NULL, k text NOT NULL,
        issued bigint NOT NULL, transferred_in bigint NOT NULL, served bigint NOT NULL,
        no_show bigint NOT NULL, cancelled bigint NOT NULL, transferred bigint NOT NULL,
        recalls bigint NOT NULL, waits bigint NOT NULL, wait_sum double precision, wait_max double precision,
        services bigint NOT NULL, service_sum double precision, very_satisfied bigint NOT NULL,
        satisfied bigint NOT NULL, dissatisfied bigint NOT NULL, open_s double precision, busy_s double precision,
        PRIMARY KEY (site, dim, unit, day, k));
    CREATE INDEX stats_day_counts_read ON stats_day_counts (dim, unit, day);
    CREATE TABLE stats_day_hist (
        site text NOT NULL, dim text NOT NULL, metric text NOT NULL, unit text NOT NULL, day text NOT NULL,
        k text NOT NULL, minute integer NOT NULL, n bigint NOT NULL,
        PRIMARY KEY (site, dim, metric, unit, day, k, minute));
    CREATE INDEX stats_day_hist_read ON stats_day_hist (dim, metric, unit, day);
    -- Per-dossier facts for the 766 figures (queue_server/reports/stats/dossier_facts.py)
    CREATE TABLE stats_dossier_facts (
        site text NOT NULL, code text NOT NULL, completed_ts double precision,
        completed_midnight double precision, supplements integer NOT NULL, paused_s double precision NOT NULL,
        paused_since double precision, last_ts double precision NOT NULL, PRIMARY KEY (site, code));
    CREATE INDEX dossier_events_code ON dossier_events (site, code);
    -- when each site's facts last reached what it had shipped (the figures' freshness)
    CREATE TABLE stats_derived (site text PRIMARY KEY, ts double precision NOT NULL);
    """),
    ("m005_site_names", """
    -- the site's own name ([center] name in its site.toml) and its services' names, sent with its
    -- batches: the province's pages call a site and its services by name, not by code
    ALTER TABLE sites ADD COLUMN center_name text;
    ALTER TABLE sites ADD COLUMN service_names jsonb NOT NULL DEFAULT '{}'::jsonb;
    """),
)


def migrate(conn: psycopg.Connection) -> list[str]:
    """Apply the migrations not yet applied; returns their names."""
    done: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_ID,))
        conn.execute("CREATE TABLE IF NOT EXISTS province_migrations ("
                     "name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        applied = {r[0] for r in conn.execute("SELECT name FROM province_migrations")}
        for name, sql in MIGRATIONS:
            if name in applied:
                continue
            with conn.transaction():  # a savepoint: a failing migration leaves nothing behind
                conn.execute(sql)
                conn.execute("INSERT INTO province_migrations (name) VALUES (%s)", (name,))
            done.append(name)
    return done
