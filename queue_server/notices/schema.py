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


@migrations()
def m002_codes_by_reference(db: Database) -> None:
    # code_ref: the parcel whose pickup code goes into `{code}` at send time (never stored in clear);
    # purged_ts: when the file-outbox copy of a sent message was deleted.
    run_script(db, """
    ALTER TABLE notices_outbox ADD COLUMN code_ref INTEGER;
    ALTER TABLE notices_outbox ADD COLUMN purged_ts REAL;
    CREATE INDEX notices_code_ref ON notices_outbox (code_ref) WHERE code_ref IS NOT NULL;
    """)
