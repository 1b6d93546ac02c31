"""Officer presence rules: sign in, sign out, idle sign-out, and what a counter's state is.

A counter is `closed` while nobody is signed in to it, `paused` while its officer
paused it, `open` otherwise. Only open counters take part in wait estimates
(tickets/estimates.open_counters reads the same table). Calling a ticket signs the
caller in to a free counter, so a console that calls is never at a closed counter.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from queue_server.clock import iso_local, service_day, to_ts
from queue_server.config import SiteConfig
from queue_server.errors import RuleError
from queue_server.store import Store, Tx
from queue_server.hall.tickets.rules import queue_changed
from queue_server.hall.tickets.view import counter_json


def counter_rows(db: Any, site: SiteConfig, code: str | None = None) -> dict[str, dict[str, Any]]:
    """Counters as stored (pause state) with their signed-in officer, if any."""
    sql = ("SELECT c.code, c.state, c.changed_ts, p.actor, p.staff_name, p.signed_in_ts, p.last_seen_ts "
           "FROM counters c LEFT JOIN counter_presence p ON p.counter = c.code")
    rows = db.execute(sql + (" WHERE c.code = ?" if code else ""), (code,) if code else ()).fetchall()
    out = {}
    for code_, state, changed, actor, name, since, seen in rows:
        officer = None if actor is None else {"name": name, "username": actor.split(":", 1)[-1],
                                             "since": iso_local(since, site.tz), "last_seen_ts": seen}
        out[code_] = {"code": code_, "state": state, "changed_ts": changed, "officer": officer}
    return out


def _staff_name(tx: Tx, actor: str) -> str:
    username = actor.split(":", 1)[-1]
    row = tx.execute("SELECT COALESCE(display_name, username) FROM staff WHERE username = ?", (username,)).fetchone()
    return row[0] if row else username


def _announce(tx: Tx, site: SiteConfig, counter: str, kind: str, actor: str, reason: str | None, ts: float) -> None:
    tx.execute("INSERT INTO counter_presence_log (counter, actor, type, reason, ts) VALUES (?, ?, ?, ?, ?)",
               (counter, actor, kind, reason, ts))
    tx.store.memo.drop("open", "forecast")
    row = counter_rows(tx.db.conn, site, counter)[counter]
    tx.emit(f"counter.{kind}", counter=counter_json(site, row, None), actor=actor, reason=reason)
    day = service_day(datetime.fromtimestamp(ts, site.tz), site.tz)
    for service in site.counters[counter].services:
        queue_changed(tx, site, service, day, ts=ts)


def _check_counter(site: SiteConfig, counter: str) -> None:
    if counter not in site.counters:
        raise RuleError("unknown_counter", f"Không có quầy '{counter}'", f"Unknown counter '{counter}'")


def claim(tx: Tx, site: SiteConfig, counter: str, actor: str, ts: float) -> None:
    """The officer `actor` works at `counter` now: sign them in if it is free (or its holder
    went idle), refresh their presence if it is theirs, refuse if someone else holds it."""
    _check_counter(site, counter)
    held = tx.execute("SELECT actor, last_seen_ts FROM counter_presence WHERE counter = ?", (counter,)).fetchone()
    if held is not None and held[0] == actor:
        tx.execute("UPDATE counter_presence SET last_seen_ts = ? WHERE counter = ?", (ts, counter))
        return
    idle_s = site.queue.idle_sign_out_minutes * 60
    if held is not None and ts - held[1] <= idle_s:
        name = tx.execute("SELECT staff_name FROM counter_presence WHERE counter = ?", (counter,)).fetchone()[0]
        raise RuleError("counter_taken", f"Quầy {counter} đang do cán bộ {name} làm việc",
                        f"Counter {counter} is taken by {name}")
    if held is not None:  # the holder went idle: the newcomer takes over
        tx.execute("DELETE FROM counter_presence WHERE counter = ?", (counter,))
        _announce(tx, site, counter, "signed_out", held[0], "idle", ts)
    elsewhere = tx.execute("SELECT counter FROM counter_presence WHERE actor = ?", (actor,)).fetchone()
    if elsewhere is not None:  # one counter per officer: moving signs out of the old one
        tx.execute("DELETE FROM counter_presence WHERE actor = ?", (actor,))
        _announce(tx, site, elsewhere[0], "signed_out", actor, "moved", ts)
    tx.execute("INSERT INTO counter_presence (counter, actor, staff_name, signed_in_ts, last_seen_ts) "
               "VALUES (?, ?, ?, ?, ?)", (counter, actor, _staff_name(tx, actor), ts, ts))
    _announce(tx, site, counter, "signed_in", actor, None, ts)


def touch(tx: Tx, actor: str | None, ts: float) -> None:
    """Any action of an officer keeps their counter open (it resets the idle clock)."""
    if actor:
        tx.execute("UPDATE counter_presence SET last_seen_ts = ? WHERE actor = ?", (ts, actor))


def sign_in(store: Store, site: SiteConfig, now: datetime, counter: str, actor: str) -> dict[str, Any]:
    with store.write() as tx:
        claim(tx, site, counter, actor, to_ts(now))
        return counter_rows(tx.db.conn, site, counter)[counter]


def sign_out(store: Store, site: SiteConfig, now: datetime, counter: str, actor: str,
             may_force: bool = False) -> dict[str, Any]:
    """Sign the officer out; a supervisor (`may_force`) may close a counter someone left open."""
    _check_counter(site, counter)
    ts = to_ts(now)
    with store.write() as tx:
        held = tx.execute("SELECT actor FROM counter_presence WHERE counter = ?", (counter,)).fetchone()
        if held is not None:
            if held[0] != actor and not may_force:
                raise RuleError("counter_taken", f"Quầy {counter} do cán bộ khác làm việc",
                                f"Counter {counter} is held by another officer")
            tx.execute("DELETE FROM counter_presence WHERE counter = ?", (counter,))
            _announce(tx, site, counter, "signed_out", held[0], "sign_out" if held[0] == actor else "supervisor", ts)
        return counter_rows(tx.db.conn, site, counter)[counter]


def sweep_idle(store: Store, site: SiteConfig, now: datetime) -> list[str]:
    """Sign out every officer idle longer than the site allows; the counters they leave close."""
    ts = to_ts(now)
    limit = ts - site.queue.idle_sign_out_minutes * 60
    if not store.query("SELECT 1 AS x FROM counter_presence WHERE last_seen_ts < ? LIMIT 1", (limit,)):
        return []  # the common case, without taking the writer lock
    with store.write() as tx:
        idle = tx.execute("SELECT counter, actor FROM counter_presence WHERE last_seen_ts < ?", (limit,)).fetchall()
        for counter, actor in idle:
            tx.execute("DELETE FROM counter_presence WHERE counter = ?", (counter,))
            if counter in site.counters:
                _announce(tx, site, counter, "signed_out", actor, "idle", ts)
    return [c for c, _ in idle]
