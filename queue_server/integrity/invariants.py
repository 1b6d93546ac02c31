"""What must hold in a motcua database, whatever happened to the server (`motcua check`).

Each check is a function of a read-only connection returning the problems it
found (empty: the invariant holds). They restate the rules from the data alone,
so a crash, a bug or a hand edit that broke one is named, not guessed at.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from queue_server.integrity.dbfile import DatabaseRefused, check_database

LIMIT = 5  # examples quoted per broken invariant

# The state a ticket is in after each kind of event (the last such event decides).
STATE_AFTER = {"issued": "waiting", "called": "called", "recalled": "called", "started": "serving",
               "finished": "done", "no_show": "no_show", "cancelled": "cancelled", "transferred": "transferred"}
# The time a state needs to have been stamped.
STAMP = {"called": "called_ts", "serving": "started_ts", "done": "finished_ts", "no_show": "finished_ts",
         "cancelled": "finished_ts", "transferred": "finished_ts"}
APPEND_ONLY = ("ticket_events", "dossier_events", "locker_audit")
ACTIVE_PARCEL = ("reserved", "depositing", "ready", "opening", "open", "return_due", "retrieving", "retrieve_open")


@dataclass(frozen=True)
class Finding:
    invariant: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def _has(conn: sqlite3.Connection, table: str) -> bool:
    return bool(_rows(conn, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)))


def unique_numbers(conn: sqlite3.Connection) -> list[str]:
    """No ticket number given twice in a day, no sequence number twice in a service's day."""
    out = [f"day {d}: number {n} given {c} times" for d, n, c in _rows(
        conn, "SELECT day, number, COUNT(*) FROM tickets GROUP BY day, number HAVING COUNT(*) > 1")]
    out += [f"day {d}: {s} sequence {q} given {c} times" for d, s, q, c in _rows(
        conn, "SELECT day, service, seq, COUNT(*) FROM tickets GROUP BY day, service, seq HAVING COUNT(*) > 1")]
    return out


def sequences_ahead(conn: sqlite3.Connection) -> list[str]:
    """Each day's counter is at or past the highest number given (else the next ticket repeats one)."""
    return [f"day {d} {s}: counter at {last} but number {high} was given" for d, s, high, last in _rows(
        conn, "SELECT t.day, t.service, MAX(t.seq), q.last_seq FROM tickets t LEFT JOIN day_sequences q "
              "ON q.day = t.day AND q.service = t.service GROUP BY t.day, t.service "
              "HAVING q.last_seq IS NULL OR q.last_seq < MAX(t.seq)")]


def waiting_counts(conn: sqlite3.Connection) -> list[str]:
    """The kept count of waiting tickets (boards, estimates) equals the waiting tickets."""
    return [f"day {d} {s}: {kept} counted waiting, {real} really waiting" for d, s, kept, real in _rows(
        conn, "SELECT q.day, q.service, q.waiting, (SELECT COUNT(*) FROM tickets t WHERE t.day = q.day AND "
              "t.service = q.service AND t.state = 'waiting') AS real FROM day_sequences q WHERE q.waiting != real")]


def states_match_events(conn: sqlite3.Connection) -> list[str]:
    """Every ticket has its `issued` event first, its state is the one its last event left it
    in, and that state's time is stamped."""
    out = []
    kinds = ", ".join(f"'{k}'" for k in STATE_AFTER)
    rows = _rows(conn, f"""
        SELECT t.id, t.number, t.day, t.state, t.called_ts, t.started_ts, t.finished_ts,
               (SELECT type FROM ticket_events e WHERE e.ticket_id = t.id ORDER BY e.id LIMIT 1),
               (SELECT type FROM ticket_events e WHERE e.ticket_id = t.id AND e.type IN ({kinds})
                ORDER BY e.id DESC LIMIT 1)
        FROM tickets t""")
    for tid, number, day, state, called, started, finished, first, last in rows:
        stamps = {"called_ts": called, "started_ts": started, "finished_ts": finished}
        if first != "issued":
            out.append(f"ticket {tid} ({day} {number}): first event is {first or 'missing'}, not issued")
        elif STATE_AFTER.get(last) != state:
            out.append(f"ticket {tid} ({day} {number}): state {state} but its last event is {last}")
        elif state in STAMP and stamps[STAMP[state]] is None:
            out.append(f"ticket {tid} ({day} {number}): {state} without {STAMP[state]}")
    return out


def references(conn: sqlite3.Connection) -> list[str]:
    """No row points at a row that does not exist (events, transfers, idempotency, parcels)."""
    return [f"{table} row {rowid} points at a missing {parent}" for table, rowid, parent, _ in _rows(
        conn, "PRAGMA foreign_key_check")]


def append_only_logs(conn: sqlite3.Connection) -> list[str]:
    """The event logs keep their no-update / no-delete guards and lost no row: ids given by
    AUTOINCREMENT are gapless (a rolled-back insert gives its id back), so a gap is a deletion."""
    out = []
    triggers = {name for (name,) in _rows(conn, "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for table in APPEND_ONLY:
        if not _has(conn, table):
            continue
        for guard in (f"{table}_no_update", f"{table}_no_delete"):
            if guard not in triggers:
                out.append(f"{table}: guard trigger {guard} is missing")
        count, high = _rows(conn, f"SELECT COUNT(*), COALESCE(MAX(id), 0) FROM {table}")[0]
        given = _rows(conn, "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
        given = given[0][0] if given else 0
        if count != high or given != high:
            out.append(f"{table}: {count} rows but ids run to {high} (last id given {given}): rows were removed")
    return out


def lockers_consistent(conn: sqlite3.Connection) -> list[str]:
    """Parcels sit in configured compartments, one active parcel per compartment and per
    dossier, each for a real dossier; a collected parcel's dossier is marked returned (10)."""
    if not _has(conn, "locker_parcels"):
        return []
    active = ", ".join(f"'{s}'" for s in ACTIVE_PARCEL)
    out = [f"compartment {k}/{n} holds {c} active parcels" for k, n, c in _rows(
        conn, f"SELECT kiosk, number, COUNT(*) FROM locker_parcels WHERE state IN ({active}) "
              "GROUP BY kiosk, number HAVING COUNT(*) > 1")]
    out += [f"dossier {d} is in {c} compartments" for d, c in _rows(
        conn, f"SELECT dossier, COUNT(*) FROM locker_parcels WHERE state IN ({active}) "
              "GROUP BY dossier HAVING COUNT(*) > 1")]
    out += [f"parcel {p} ({state}) in compartment {k}/{n}, which is not configured" for p, state, k, n in _rows(
        conn, f"SELECT p.id, p.state, p.kiosk, p.number FROM locker_parcels p LEFT JOIN locker_compartments c "
              f"ON c.kiosk = p.kiosk AND c.number = p.number WHERE p.state IN ({active}) "
              "AND (c.kiosk IS NULL OR c.configured = 0)")]
    if _has(conn, "dossiers"):
        out += [f"parcel {p} is for dossier {d}, which does not exist" for p, d in _rows(
            conn, "SELECT p.id, p.dossier FROM locker_parcels p LEFT JOIN dossiers d ON d.code = p.dossier "
                  "WHERE d.code IS NULL")]
        out += [f"parcel {p} was collected but dossier {d} has status {s}, not 10" for p, d, s in _rows(
            conn, "SELECT p.id, p.dossier, d.status FROM locker_parcels p JOIN dossiers d ON d.code = p.dossier "
                  "WHERE p.state = 'collected' AND (d.status != 10 OR p.collected_ts IS NULL)")]
    return out


def dossier_numbers(conn: sqlite3.Connection) -> list[str]:
    """Each agency's day counter is past every number it generated itself (imports are skipped)."""
    if not _has(conn, "dossiers"):
        return []
    return [f"agency {a} day {d}: counter at {last} but number {high} was generated" for a, d, high, last in _rows(
        conn, "SELECT x.agency, x.day, MAX(x.seq), q.last_seq FROM dossiers x LEFT JOIN dossier_sequences q "
              "ON q.agency = x.agency AND q.day = x.day WHERE x.source = 'staff' GROUP BY x.agency, x.day "
              "HAVING q.last_seq IS NULL OR q.last_seq < MAX(x.seq)")]


CHECKS: dict[str, Callable[[sqlite3.Connection], list[str]]] = {
    "unique_numbers": unique_numbers, "sequences_ahead": sequences_ahead, "waiting_counts": waiting_counts,
    "states_match_events": states_match_events, "references": references, "append_only_logs": append_only_logs,
    "lockers_consistent": lockers_consistent, "dossier_numbers": dossier_numbers,
}


def audit(path: Path) -> list[Finding]:
    """Every invariant of the database at `path`, read-only (the file and its WAL untouched
    apart from SQLite's shared-memory index)."""
    try:
        check_database(path)
    except DatabaseRefused as exc:
        return [Finding("database_intact", [str(exc)])]
    if not Path(path).exists():
        return [Finding("database_intact", [f"{path}: no such file"])]
    findings = [Finding("database_intact", [])]
    conn = sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?mode=ro", uri=True, timeout=30)
    try:
        if not _has(conn, "tickets"):
            return [Finding("database_intact", [f"{path}: not a motcua database (no tickets table)"])]
        conn.execute("BEGIN")  # one snapshot for every check
        for name, check in CHECKS.items():
            try:
                problems = check(conn)
            except sqlite3.Error as exc:  # e.g. a table rebuilt by hand without its keys
                problems = [f"cannot be checked: {exc}"]
            findings.append(Finding(name, problems))
    finally:
        conn.close()
    return findings
