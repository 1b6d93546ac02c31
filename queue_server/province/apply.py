"""Applying one site's batch to PostgreSQL: one transaction, idempotent, in order.

- Log rows are inserted by key (site, id) with ON CONFLICT DO NOTHING: a batch sent
  twice, or overlapping one already applied, adds nothing the second time.
- Changed rows (tickets, dossiers, parcels) are upserted only if their `version` is not
  older than the stored one, so a late resend never rolls a ticket back.
- The site's cursor moves in the same transaction: a batch that starts past it (a gap:
  rows would be missing) is refused with the cursor the province holds, and the shipper
  resumes from there. The site row is locked for the batch: one site's batches apply one
  at a time, different sites' in parallel.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from queue_server.errors import ApiError
from queue_server.shipping.tables import BY_NAME, LOGS, PARENTS

PARENT_KEYS = {log.parent: log.parent_key for log in LOGS if log.parent}


@dataclass
class Outcome:
    cursor: dict[str, int]
    inserted: int = 0       # log rows new to the province
    skipped: int = 0        # log rows it had already (a resend)
    gap: bool = False
    by_log: dict[str, int] = field(default_factory=dict)


def _invalid(what: str) -> ApiError:
    return ApiError(422, "invalid_batch", f"Lô dữ liệu không hợp lệ: {what}", f"Invalid batch: {what}")


def _cursor(value: Any, what: str) -> dict[str, int]:
    if not isinstance(value, dict) or not all(
            k in BY_NAME and isinstance(v, int) and not isinstance(v, bool) and v >= 0 for k, v in value.items()):
        raise _invalid(f"'{what}' must map log names to ids ≥ 0")
    return {log.name: value.get(log.name, 0) for log in LOGS}


def _table(value: Any, expected: tuple[str, ...], what: str) -> list[list]:
    if not isinstance(value, dict) or list(value.get("columns", ())) != list(expected):
        raise _invalid(f"{what}: columns must be {', '.join(expected)}")
    rows = value.get("rows")
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == len(expected) for r in rows):
        raise _invalid(f"{what}: rows must be lists of {len(expected)} values")
    return rows


def validate(batch: Any) -> tuple[dict, dict, dict[str, list], dict[str, list]]:
    """(from, to, log rows, parent rows), or a 422 naming what is wrong."""
    if not isinstance(batch, dict):
        raise _invalid("expected a JSON object")
    frm, to = _cursor(batch.get("from"), "from"), _cursor(batch.get("to"), "to")
    logs_in, parents_in = batch.get("logs") or {}, batch.get("parents") or {}
    if not isinstance(logs_in, dict) or not isinstance(parents_in, dict):
        raise _invalid("'logs' and 'parents' must be objects")
    logs: dict[str, list] = {}
    for name, value in logs_in.items():
        if name not in BY_NAME:
            raise _invalid(f"unknown log {name!r}")
        rows = logs[name] = _table(value, BY_NAME[name].columns, name)
        if any(not isinstance(r[0], int) or not frm[name] < r[0] <= to[name] for r in rows):
            raise _invalid(f"{name}: ids must lie in (from, to]")
    parents: dict[str, list] = {}
    for name, value in parents_in.items():
        if name not in PARENTS:
            raise _invalid(f"unknown table {name!r}")
        parents[name] = _table(value, (*PARENTS[name].parent_columns, "version"), name)
    return frm, to, logs, parents


def apply_batch(conn: psycopg.Connection, site: str, batch: dict, now_ts: float) -> Outcome:
    frm, to, logs, parents = validate(batch)
    center = batch.get("center")
    if center is not None and (not isinstance(center, str) or not center.strip() or len(center) > 200):
        raise _invalid("'center' must be the site's name, 1-200 characters")
    services = batch.get("services")
    if services is not None and (not isinstance(services, dict) or len(services) > 200 or not all(
            isinstance(k, str) and 0 < len(k) <= 32 and isinstance(v, str) and 0 < len(v) <= 200
            for k, v in services.items())):
        raise _invalid("'services' must map service codes to their names (≤ 200 of them)")
    pending = batch.get("pending")
    oldest = batch.get("oldest_pending_ts")
    try:
        with conn.transaction():
            row = conn.execute('SELECT "cursor" FROM sites WHERE site = %s FOR UPDATE', (site,)).fetchone()
            if row is None:
                conn.execute("INSERT INTO sites (site) VALUES (%s) ON CONFLICT DO NOTHING", (site,))
                row = conn.execute('SELECT "cursor" FROM sites WHERE site = %s FOR UPDATE', (site,)).fetchone()
            if center is not None:
                conn.execute("UPDATE sites SET center_name = %s WHERE site = %s AND center_name IS DISTINCT FROM %s",
                             (center.strip(), site, center.strip()))
            if services is not None:
                conn.execute("UPDATE sites SET service_names = %s WHERE site = %s AND service_names <> %s",
                             (Jsonb(services), site, Jsonb(services)))
            stored = {log.name: int(row[0].get(log.name, 0)) for log in LOGS}
            if any(frm[k] > stored[k] for k in stored):
                return Outcome(stored, gap=True)  # rows between would be missing: resume from ours
            out = Outcome({k: max(stored[k], to[k]) for k in stored})
            with conn.cursor() as cur:
                for name, rows in logs.items():
                    if rows and to[name] > stored[name]:
                        n = _insert_log(cur, site, name, rows)
                        out.inserted += n
                        out.skipped += len(rows) - n
                        out.by_log[name] = n
                    else:
                        out.skipped += len(rows)
                for name, rows in parents.items():
                    if rows:
                        _upsert_parent(cur, site, name, rows)
            conn.execute(
                'UPDATE sites SET "cursor" = %s, batches = batches + 1, rows = rows + %s, last_batch_ts = %s, '
                "last_seen_ts = %s, pending = %s, oldest_pending_ts = %s WHERE site = %s",
                (Jsonb(out.cursor), out.inserted, now_ts, now_ts,
                 pending if isinstance(pending, int) and pending >= 0 else 0,
                 oldest if isinstance(oldest, (int, float)) and not isinstance(oldest, bool) else None, site))
            return out
    except (psycopg.DataError, psycopg.IntegrityError) as exc:
        raise _invalid(type(exc).__name__ + ": " + str(exc).splitlines()[0][:200]) from None


def _insert_log(cur: psycopg.Cursor, site: str, name: str, rows: list[list]) -> int:
    cols = BY_NAME[name].columns
    sql = (f"INSERT INTO {name} (site, {', '.join(cols)}) VALUES ({', '.join(['%s'] * (len(cols) + 1))}) "
           f"ON CONFLICT (site, id) DO NOTHING")
    cur.executemany(sql, [(site, *r) for r in rows])
    return max(cur.rowcount, 0)


def _upsert_parent(cur: psycopg.Cursor, site: str, name: str, rows: list[list]) -> None:
    cols = (*PARENTS[name].parent_columns, "version")
    key = PARENT_KEYS[name]
    sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c != key)
    sql = (f"INSERT INTO {name} (site, {', '.join(cols)}) VALUES ({', '.join(['%s'] * (len(cols) + 1))}) "
           f"ON CONFLICT (site, {key}) DO UPDATE SET {sets} WHERE {name}.version <= excluded.version")
    cur.executemany(sql, [(site, *r) for r in rows])
