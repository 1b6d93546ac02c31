"""Statistics written once: the read side of `Store` (`query`, `one`) over PostgreSQL.

A statistics function written for a site box — `store.query(sql, params)` with `?`
placeholders over tickets, ticket_events, ratings, dossiers… — runs unchanged on the
province with `PgQueries(conn)` in place of the store; the province tables are the site
tables plus a `site` column, so the same SQL adds `AND site = ?` or `GROUP BY site`.
Keep the SQL portable: standard functions (COUNT, AVG, SUM(CASE …), COALESCE), no
SQLite-only forms (`SUM(a = b)`, `IFNULL`, `strftime`) and no PostgreSQL-only ones.
"""
from __future__ import annotations

from typing import Any, Iterable

import psycopg


def qmark_to_pg(sql: str) -> str:
    """`?` placeholders → `%s`, a literal `%` → `%%`; text inside quotes is left alone
    (a `?` or `%` in a string literal or a quoted name is not a placeholder)."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
            out.append("%%" if ch == "%" else ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


class PgQueries:
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cur = self.conn.execute(qmark_to_pg(sql), tuple(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None
