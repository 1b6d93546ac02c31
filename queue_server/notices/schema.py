"""The notices outbox."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from queue_server.migrations import run_script

migrations = Migrations("notices")


@migrations()
def m001_outbox(db: Database) -> None:
    run_script(db, """
    CREATE TABLE notices_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, dossier TEXT NOT NULL, kind TEXT NOT NULL,
        channel TEXT NOT NULL, recipient TEXT, recipient_masked TEXT,
        subject TEXT NOT NULL, body TEXT, body_redacted TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0, next_ts REAL NOT NULL, last_error TEXT,
        created_ts REAL NOT NULL, sent_ts REAL);
    CREATE INDEX notices_due ON notices_outbox (state, next_ts);
    CREATE INDEX notices_dossier ON notices_outbox (dossier);
    """)
