"""Migrations helper: every feature's schema is a `sqlite_utils.Migrations` set in code.

A migration runs inside one transaction and either applies whole or not at all;
`run_script` is how a migration runs SQL without breaking that (`executescript`
commits first).
"""
from __future__ import annotations

import sqlite3

from sqlite_utils import Database


def run_script(db: Database, script: str) -> None:
    """Run statements one by one: `executescript` would COMMIT the migration's transaction."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            db.conn.execute(buf)
            buf = ""
    if buf.strip():
        raise ValueError(f"incomplete SQL statement: {buf.strip()[:80]}")
