"""Per-ticket facts: what the statistics count, derived from a ticket and its events.

Definitions (the figures on the page and in the exports follow them):
- issued: a ticket given to a visitor (a ticket created by a transfer is `transferred_in`,
  so a visitor is counted once); it belongs to `tickets.day`, the local day it was issued.
- wait: from issue (for a transferred ticket: the transfer) to its FIRST call.
  Tickets never called (cancelled while waiting) have no wait.
- service time (served tickets only): from the start of service, or the last call when
  the officer finished without pressing start, to the finish. A ticket closed by the
  system when its day ended (reason "day_closed") counts as served without a service time:
  its finish time says when the next day began, not when the visitor left.
- officer: the last staff member who called, recalled, started, finished or marked it.
- wait_m / service_m: the durations in whole minutes (truncated), for the daily histograms.
- rating: the citizen's rating of the ticket, if any.
- call_ts / end_ts: when it was first called and when it left the counter (counter open and
  idle time: a counter is open from its day's first call to its last ticket's end, busy
  while a ticket is between its first call and its end; pauses are not logged, so a paused
  counter counts as open and idle).

`refresh` catches up from a watermark on ticket_events.id: it reads outside the write
lock, then upserts in short write transactions, so ticket issuance keeps its pace.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from queue_server.reports.stats.queries import Sql
from queue_server.store import Store

COLUMNS = ("ticket_id", "day", "issue_hour", "finish_day", "finish_hour", "service", "counter", "officer",
           "priority", "channel", "state", "issued", "transferred_in", "served", "no_show", "cancelled",
           "transferred", "recalls", "wait_s", "service_s", "wait_m", "service_m", "rating", "call_ts", "end_ts")
OFFICER_EVENTS = ("called", "recalled", "started", "finished", "no_show")
AT_COUNTER_END = ("done", "no_show", "transferred")  # a called ticket left the counter at finished_ts
BATCH = 2000
_UPSERT = (f"INSERT INTO stats_ticket_facts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
           "ON CONFLICT (ticket_id) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:]))


def _person(actor: str | None) -> str | None:
    if not actor or actor == "system" or actor.startswith("device:"):
        return None
    return actor.split(":", 1)[1] if ":" in actor else actor


def derive(ticket: dict[str, Any], events: Iterable[tuple[float, str, str | None, str | None]],
           tz: ZoneInfo, rating: str | None = None) -> tuple:
    """The facts row of one ticket; `events` = (ts, type, actor, data) in log order."""
    first_call = None
    officer = None
    day_closed = False
    for ts, type_, actor, data in events:
        if type_ == "called" and first_call is None:
            first_call = ts
        if type_ in OFFICER_EVENTS:
            officer = _person(actor) or officer
        if type_ == "finished" and actor == "system" and data and json.loads(data).get("reason") == "day_closed":
            day_closed = True
    state = ticket["state"]
    served = state == "done"
    wait = first_call - ticket["issued_ts"] if first_call is not None else None
    service = None
    if served and not day_closed and ticket["finished_ts"] is not None:
        began = ticket["started_ts"] if ticket["started_ts"] is not None else ticket["called_ts"]
        if began is not None:
            service = max(ticket["finished_ts"] - began, 0.0)
    issued_local = datetime.fromtimestamp(ticket["issued_ts"], tz)
    finish_local = datetime.fromtimestamp(ticket["finished_ts"], tz) if ticket["finished_ts"] is not None else None
    moved_in = ticket["transferred_from"] is not None
    return (ticket["id"], ticket["day"], issued_local.hour,
            finish_local.date().isoformat() if finish_local else None, finish_local.hour if finish_local else None,
            ticket["service"], ticket["counter"] or "", officer or "", ticket["priority"] or "",
            ticket["channel"] or "", state, int(not moved_in), int(moved_in), int(served),
            int(state == "no_show"), int(state == "cancelled"), int(state == "transferred"),
            ticket["recalls"], wait, service, _whole_minutes(wait), _whole_minutes(service), rating,
            first_call, ticket["finished_ts"] if first_call is not None and state in AT_COUNTER_END and not day_closed
            else None)


def _whole_minutes(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds // 60)


def chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


TICKET_COLUMNS = ("id", "day", "service", "priority", "channel", "state", "issued_ts", "called_ts", "started_ts",
                  "finished_ts", "counter", "recalls", "transferred_from")


def facts_for(sql: Sql, ids: list[int], tz: ZoneInfo) -> list[tuple]:
    """The facts rows of tickets `ids` (of the Sql's site at the province): one definition for
    a site box and for the province, which derives them from its mirrored tables."""
    marks = ", ".join("?" * len(ids))
    scope, params = sql.scope()
    tickets = [dict(zip(TICKET_COLUMNS, row)) for row in sql.rows(
        f"SELECT {', '.join(TICKET_COLUMNS)} FROM tickets WHERE id IN ({marks}){scope}", [*ids, *params])]
    events: dict[int, list] = {i: [] for i in ids}
    for tid, ts, type_, actor, data in sql.rows(
            f"SELECT ticket_id, ts, type, actor, data FROM ticket_events WHERE ticket_id IN ({marks}){scope} "
            "ORDER BY id", [*ids, *params]):
        events[tid].append((ts, type_, actor, data))
    ratings = dict(sql.rows(f"SELECT ticket_id, level FROM ratings WHERE ticket_id IN ({marks}){scope}",
                            [*ids, *params]))
    return [derive(t, events[t["id"]], tz, ratings.get(t["id"])) for t in tickets]


def changed_tickets(sql: Sql, marks: dict[str, int], highs: dict[str, int]) -> list[int]:
    """Tickets with an event or a rating after the marks, up to the highs."""
    scope, params = sql.scope()
    return sorted({r[0] for r in sql.rows(
        f"SELECT ticket_id FROM ticket_events WHERE id > ? AND id <= ?{scope} UNION "
        f"SELECT ticket_id FROM ratings WHERE id > ? AND id <= ?{scope}",
        (marks["ticket_events"], highs["ticket_events"], *params, marks["ratings"], highs["ratings"], *params))})


def _mark(conn: Any, name: str) -> int:
    row = conn.execute("SELECT last_id FROM stats_watermark WHERE name = ?", (name,)).fetchone()
    return row[0] if row else 0


def refresh(store: Store, tz: ZoneInfo, progress: Callable[[int, int], None] | None = None) -> int:
    """Bring the facts up to the last event and rating; returns how many tickets were (re)derived.
    The days of changed tickets become dirty (read live, rolled again once over)."""
    conn = store.db.conn
    marks = {"ticket_events": _mark(conn, "ticket_events"), "ratings": _mark(conn, "ratings")}
    highs = {name: conn.execute(f"SELECT MAX(id) FROM {name}").fetchone()[0] or 0 for name in marks}
    if all(highs[n] <= marks[n] for n in marks):
        return 0
    sql = Sql(conn)
    ids = changed_tickets(sql, marks, highs)
    parts = list(chunks(ids, BATCH))
    for n, chunk in enumerate(parts, 1):
        rows = facts_for(sql, chunk, tz)
        days = sorted({r[1] for r in rows})
        with store.write() as tx:
            tx.db.conn.executemany(_UPSERT, rows)
            tx.db.conn.executemany("INSERT INTO stats_dirty (day) VALUES (?) ON CONFLICT (day) DO NOTHING",
                                   [(d,) for d in days])
            if n == len(parts):  # the mark moves with the last rows: one write for a small catch-up
                # never backwards: two refreshes may race, each idempotent
                tx.db.conn.executemany(
                    "INSERT INTO stats_watermark (name, last_id) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET "
                    "last_id = CASE WHEN excluded.last_id > stats_watermark.last_id THEN excluded.last_id "
                    "ELSE stats_watermark.last_id END", list(highs.items()))
        if progress:
            progress(min(n * BATCH, len(ids)), len(ids))
    return len(ids)
