"""Tickets, counters, services, accounts: the core schema as one `sqlite_utils.Migrations` set.

Never edit a released migration; add a new one. Every feature owns its own set
(its `schema.py`); the set keeps its historical name "queue_server".
"""
from __future__ import annotations

import sqlite3

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("queue_server")


@migrations()
def m001_core(db: Database) -> None:
    run_script(db, """
    CREATE TABLE services (
        code TEXT PRIMARY KEY, letter TEXT NOT NULL, name TEXT NOT NULL,
        name_en TEXT NOT NULL, typical_minutes REAL NOT NULL);
    CREATE TABLE counters (
        code TEXT PRIMARY KEY, name TEXT NOT NULL, services TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'paused')),
        changed_ts REAL);
    -- one row per (service day, service): the last number given; bumped inside
    -- the same transaction as the ticket insert, so numbers never repeat.
    CREATE TABLE day_sequences (
        day TEXT NOT NULL, service TEXT NOT NULL, last_seq INTEGER NOT NULL,
        PRIMARY KEY (day, service));
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        day TEXT NOT NULL, service TEXT NOT NULL, seq INTEGER NOT NULL,
        number TEXT NOT NULL, priority TEXT, priority_by TEXT, priority_proof TEXT,
        channel TEXT NOT NULL DEFAULT 'kiosk',
        state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN
            ('waiting', 'called', 'serving', 'done', 'no_show', 'transferred', 'cancelled')),
        issued_ts REAL NOT NULL, arrived_ts REAL NOT NULL,
        called_ts REAL, started_ts REAL, finished_ts REAL,
        counter TEXT, recalls INTEGER NOT NULL DEFAULT 0,
        transferred_from INTEGER REFERENCES tickets(id), transferred_to INTEGER REFERENCES tickets(id),
        issued_by TEXT,
        UNIQUE (day, number), UNIQUE (day, service, seq));
    CREATE INDEX tickets_waiting ON tickets (state, service);
    CREATE INDEX tickets_counter ON tickets (counter, state);
    CREATE INDEX tickets_done ON tickets (service, state, id);
    CREATE TABLE ticket_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        ts REAL NOT NULL, type TEXT NOT NULL, counter TEXT, actor TEXT, data TEXT);
    CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id);
    CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
        BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;
    CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
        BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;
    CREATE TABLE staff (
        id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('officer', 'supervisor', 'admin')),
        password_hash TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1, created_ts REAL NOT NULL);
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY, staff_id INTEGER NOT NULL REFERENCES staff(id),
        created_ts REAL NOT NULL, expires_ts REAL NOT NULL);
    CREATE TABLE devices (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE, active INTEGER NOT NULL DEFAULT 1, created_ts REAL NOT NULL);
    CREATE TABLE idempotency (
        principal TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id), created_ts REAL NOT NULL,
        PRIMARY KEY (principal, key));
    """)


@migrations()
def m002_queue_index(db: Database) -> None:
    # Counting and picking a service's waiting tickets of the day without touching rows.
    run_script(db, """
    DROP INDEX tickets_waiting;
    CREATE INDEX tickets_queue ON tickets (day, service, state, arrived_ts);
    """)


@migrations()
def m003_queue_heads_index(db: Database) -> None:
    # The earliest waiting ticket of each (service, priority group) by one index seek.
    run_script(db, """
    DROP INDEX tickets_queue;
    CREATE INDEX tickets_heads ON tickets (day, service, state, priority, arrived_ts, id);
    """)


@migrations()
def m004_waiting_counts(db: Database) -> None:
    # Waiting tickets per (day, service) kept by triggers next to the day's last number,
    # so issuing or calling reads one row instead of counting the whole queue (a COUNT
    # grows with the queue: 200 µs with 5 000 waiting). Triggers see every writer.
    # Partial indexes: a new ticket (waiting, no counter) no longer enters the indexes
    # that only finished tickets or tickets at a counter need.
    run_script(db, """
    ALTER TABLE day_sequences ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
    INSERT INTO day_sequences (day, service, last_seq, waiting)
        SELECT day, service, MAX(seq), SUM(state = 'waiting') FROM tickets WHERE true GROUP BY day, service
        ON CONFLICT(day, service) DO UPDATE SET waiting = excluded.waiting;
    CREATE TRIGGER tickets_waiting_insert AFTER INSERT ON tickets WHEN new.state = 'waiting' BEGIN
        INSERT INTO day_sequences (day, service, last_seq, waiting) VALUES (new.day, new.service, new.seq, 1)
        ON CONFLICT(day, service) DO UPDATE SET waiting = waiting + 1;
    END;
    CREATE TRIGGER tickets_waiting_leave AFTER UPDATE OF state, day, service ON tickets
        WHEN old.state = 'waiting' BEGIN
        UPDATE day_sequences SET waiting = waiting - 1 WHERE day = old.day AND service = old.service;
    END;
    CREATE TRIGGER tickets_waiting_enter AFTER UPDATE OF state, day, service ON tickets
        WHEN new.state = 'waiting' BEGIN
        INSERT INTO day_sequences (day, service, last_seq, waiting) VALUES (new.day, new.service, new.seq, 1)
        ON CONFLICT(day, service) DO UPDATE SET waiting = waiting + 1;
    END;
    CREATE TRIGGER tickets_waiting_delete AFTER DELETE ON tickets WHEN old.state = 'waiting' BEGIN
        UPDATE day_sequences SET waiting = waiting - 1 WHERE day = old.day AND service = old.service;
    END;
    DROP INDEX tickets_counter;
    CREATE INDEX tickets_counter ON tickets (counter, state) WHERE counter IS NOT NULL;
    DROP INDEX tickets_done;
    CREATE INDEX tickets_done ON tickets (service, id) WHERE state = 'done';
    """)


@migrations(transactional=False)
def m005_tickets_one_unique_number(db: Database) -> None:
    # UNIQUE (day, service, seq) repeated UNIQUE (day, number): a number is its service's
    # letter plus the sequence, and letters are unique per site (config check). The second
    # index cost every new ticket a B-tree insert and each group commit one more dirty page
    # per service. SQLite cannot drop a constraint, so the table is rebuilt (the documented
    # 12-step way: foreign keys off, copy, swap, check, on). Not transactional for
    # sqlite-utils because `PRAGMA foreign_keys` is ignored inside a transaction; the rebuild
    # itself is one transaction, and re-running it after a crash before it was recorded
    # rebuilds the same table again.
    conn = db.conn
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            high = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'tickets'").fetchone()
            run_script(db, """
            CREATE TABLE tickets_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                day TEXT NOT NULL, service TEXT NOT NULL, seq INTEGER NOT NULL,
                number TEXT NOT NULL, priority TEXT, priority_by TEXT, priority_proof TEXT,
                channel TEXT NOT NULL DEFAULT 'kiosk',
                state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN
                    ('waiting', 'called', 'serving', 'done', 'no_show', 'transferred', 'cancelled')),
                issued_ts REAL NOT NULL, arrived_ts REAL NOT NULL,
                called_ts REAL, started_ts REAL, finished_ts REAL,
                counter TEXT, recalls INTEGER NOT NULL DEFAULT 0,
                transferred_from INTEGER REFERENCES tickets(id), transferred_to INTEGER REFERENCES tickets(id),
                issued_by TEXT,
                UNIQUE (day, number));
            INSERT INTO tickets_new SELECT id, day, service, seq, number, priority, priority_by, priority_proof,
                channel, state, issued_ts, arrived_ts, called_ts, started_ts, finished_ts, counter, recalls,
                transferred_from, transferred_to, issued_by FROM tickets;
            DROP TABLE tickets;
            ALTER TABLE tickets_new RENAME TO tickets;
            CREATE INDEX tickets_heads ON tickets (day, service, state, priority, arrived_ts, id);
            CREATE INDEX tickets_counter ON tickets (counter, state) WHERE counter IS NOT NULL;
            CREATE INDEX tickets_done ON tickets (service, id) WHERE state = 'done';
            CREATE TRIGGER tickets_waiting_insert AFTER INSERT ON tickets WHEN new.state = 'waiting' BEGIN
                INSERT INTO day_sequences (day, service, last_seq, waiting) VALUES (new.day, new.service, new.seq, 1)
                ON CONFLICT(day, service) DO UPDATE SET waiting = waiting + 1;
            END;
            CREATE TRIGGER tickets_waiting_leave AFTER UPDATE OF state, day, service ON tickets
                WHEN old.state = 'waiting' BEGIN
                UPDATE day_sequences SET waiting = waiting - 1 WHERE day = old.day AND service = old.service;
            END;
            CREATE TRIGGER tickets_waiting_enter AFTER UPDATE OF state, day, service ON tickets
                WHEN new.state = 'waiting' BEGIN
                INSERT INTO day_sequences (day, service, last_seq, waiting) VALUES (new.day, new.service, new.seq, 1)
                ON CONFLICT(day, service) DO UPDATE SET waiting = waiting + 1;
            END;
            CREATE TRIGGER tickets_waiting_delete AFTER DELETE ON tickets WHEN old.state = 'waiting' BEGIN
                UPDATE day_sequences SET waiting = waiting - 1 WHERE day = old.day AND service = old.service;
            END;
            """)
            if high is not None:  # ids are never reused, not even those of deleted last rows
                conn.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'tickets', ? WHERE NOT EXISTS "
                             "(SELECT 1 FROM sqlite_sequence WHERE name = 'tickets')", (high[0],))
                conn.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'tickets'", (high[0],))
            broken = [row for table in ("tickets", "ticket_events", "idempotency")
                      for row in conn.execute(f"PRAGMA foreign_key_check({table})").fetchall()]
            if broken:
                raise sqlite3.IntegrityError(f"rebuilding tickets would break {len(broken)} references: {broken[:3]}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


@migrations()
def m006_waiting_count_with_the_number(db: Database) -> None:
    # A new ticket is counted as waiting by the upsert that gives it its number
    # (rules.insert_ticket, the one place tickets are inserted), not by an AFTER INSERT
    # trigger: a trigger makes SQLite run a sub-program and keep a statement journal for
    # every insert, 11-14 µs of a ~60 µs ticket (docs/benchmarks-server.md). State changes
    # and deletes stay counted by the m004 triggers; `sync_site` recounts the day at start.
    run_script(db, "DROP TRIGGER tickets_waiting_insert;")


@migrations()
def m007_ticket_link_key(db: Database) -> None:
    # The secret that signs every ticket's page token (tickets/links.py): one random key per
    # database, so tokens survive restarts and need no column, no index, no write per ticket.
    run_script(db, """
    CREATE TABLE ticket_link_key (id INTEGER PRIMARY KEY CHECK (id = 1), key BLOB NOT NULL);
    INSERT INTO ticket_link_key (id, key) VALUES (1, randomblob(32));
    """)


@migrations()
def m008_staff_display_name(db: Database) -> None:
    # The name citizens read (rating tablet, console), set with `motcua user add … --display-name`.
    run_script(db, "ALTER TABLE staff ADD COLUMN display_name TEXT;")


@migrations()
def m009_counter_presence(db: Database) -> None:
    # Officer presence (counters/presence.py), next to the counters it opens: one row per
    # staffed counter, a counter without a row is closed. `actor` is UNIQUE: an officer
    # works at one counter at a time (signing in elsewhere moves them).
    run_script(db, """
    CREATE TABLE counter_presence (
        counter TEXT PRIMARY KEY REFERENCES counters(code),
        actor TEXT NOT NULL UNIQUE, staff_name TEXT NOT NULL,
        signed_in_ts REAL NOT NULL, last_seen_ts REAL NOT NULL);
    CREATE TABLE counter_presence_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, counter TEXT NOT NULL, actor TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('signed_in', 'signed_out')), reason TEXT, ts REAL NOT NULL);
    """)


@migrations(transactional=False)
def m010_transfer_keeps_the_number(db: Database) -> None:
    # A transferred visitor keeps their number (the display and the voice call the same
    # number at the new counter): the ticket that continues a transfer repeats the number,
    # so UNIQUE (day, number) becomes a unique index over issued tickets only. Same
    # 12-step rebuild as m005 (SQLite cannot drop a constraint), one transaction.
    conn = db.conn
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            high = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'tickets'").fetchone()
            run_script(db, """
            CREATE TABLE tickets_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                day TEXT NOT NULL, service TEXT NOT NULL, seq INTEGER NOT NULL,
                number TEXT NOT NULL, priority TEXT, priority_by TEXT, priority_proof TEXT,
                channel TEXT NOT NULL DEFAULT 'kiosk',
                state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN
                    ('waiting', 'called', 'serving', 'done', 'no_show', 'transferred', 'cancelled')),
                issued_ts REAL NOT NULL, arrived_ts REAL NOT NULL,
                called_ts REAL, started_ts REAL, finished_ts REAL,
                counter TEXT, recalls INTEGER NOT NULL DEFAULT 0,
                transferred_from INTEGER REFERENCES tickets(id), transferred_to INTEGER REFERENCES tickets(id),
                issued_by TEXT);
            INSERT INTO tickets_new SELECT id, day, service, seq, number, priority, priority_by, priority_proof,
                channel, state, issued_ts, arrived_ts, called_ts, started_ts, finished_ts, counter, recalls,
                transferred_from, transferred_to, issued_by FROM tickets;
            DROP TABLE tickets;
            ALTER TABLE tickets_new RENAME TO tickets;
            CREATE UNIQUE INDEX tickets_number ON tickets (day, number) WHERE transferred_from IS NULL;
            CREATE INDEX tickets_heads ON tickets (day, service, state, priority, arrived_ts, id);
            CREATE INDEX tickets_counter ON tickets (counter, state) WHERE counter IS NOT NULL;
            CREATE INDEX tickets_done ON tickets (service, id) WHERE state = 'done';
            CREATE TRIGGER tickets_waiting_leave AFTER UPDATE OF state, day, service ON tickets
                WHEN old.state = 'waiting' BEGIN
                UPDATE day_sequences SET waiting = waiting - 1 WHERE day = old.day AND service = old.service;
            END;
            CREATE TRIGGER tickets_waiting_enter AFTER UPDATE OF state, day, service ON tickets
                WHEN new.state = 'waiting' BEGIN
                INSERT INTO day_sequences (day, service, last_seq, waiting) VALUES (new.day, new.service, new.seq, 1)
                ON CONFLICT(day, service) DO UPDATE SET waiting = waiting + 1;
            END;
            CREATE TRIGGER tickets_waiting_delete AFTER DELETE ON tickets WHEN old.state = 'waiting' BEGIN
                UPDATE day_sequences SET waiting = waiting - 1 WHERE day = old.day AND service = old.service;
            END;
            """)
            if high is not None:
                conn.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'tickets', ? WHERE NOT EXISTS "
                             "(SELECT 1 FROM sqlite_sequence WHERE name = 'tickets')", (high[0],))
                conn.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'tickets'", (high[0],))
            broken = [row for table in ("tickets", "ticket_events", "idempotency")
                      for row in conn.execute(f"PRAGMA foreign_key_check({table})").fetchall()]
            if broken:
                raise sqlite3.IntegrityError(f"rebuilding tickets would break {len(broken)} references: {broken[:3]}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


@migrations()
def m011_priority_claims(db: Database) -> None:
    # One active priority ticket per chip-ID card per day. Only a hash of the kiosk's salted
    # hash is kept (never the ID number), and only for the day: close_past_days erases it.
    run_script(db, """
    CREATE TABLE priority_claims (
        day TEXT NOT NULL, person TEXT NOT NULL, ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        PRIMARY KEY (day, person));
    """)
