"""Queue rules as plain functions over a real SQLite store (no HTTP)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from queue_server.hall.tickets import calling, rules
from queue_server.clock import FakeClock
from queue_server.config import load_site
from queue_server.errors import RuleError
from queue_server.hall.tickets.schema import migrations
from queue_server.store import Store


@pytest.fixture
def env(tmp_path):
    site = load_site()
    store = Store(tmp_path / "q.sqlite", [migrations])
    rules.sync_site(store, site)
    clock = FakeClock("2026-11-23T08:00:00+07:00")
    yield store, site, clock
    store.close()


def issue(env, service="land", priority=None, **kw):
    store, site, clock = env
    return rules.issue_ticket(store, site, clock(), service, priority=priority, **kw)[0]


def test_numbers_per_service_per_day_and_reset_at_local_midnight(env):
    store, site, clock = env
    assert [issue(env)["number"] for _ in range(3)] == ["A001", "A002", "A003"]
    assert issue(env, "civil")["number"] == "B001"
    clock.set("2026-11-23T23:59:00+07:00")
    assert issue(env, enforce_windows=False)["number"] == "A004"
    clock.set("2026-11-23T17:00:00+00:00")  # = 00:00 on the 24th in Vietnam
    t = issue(env, enforce_windows=False)
    assert (t["number"], t["day"]) == ("A001", "2026-11-24")


def test_a_start_recounts_the_waiting_a_hand_made_change_left_wrong(env):
    """A ticket typed into the database by hand is not counted by the writers; the next start
    (`sync_site` with the time) recounts the day, so estimates and people-ahead are right again."""
    store, site, clock = env
    issue(env), issue(env)
    with store.write() as tx:
        tx.execute("INSERT INTO tickets (day, service, seq, number, issued_ts, arrived_ts) "
                   "VALUES ('2026-11-23', 'land', 99, 'A099', 0, 0)")
    waiting = "SELECT waiting FROM day_sequences WHERE day = '2026-11-23' AND service = 'land'"
    assert store.one(waiting)["waiting"] == 2
    rules.sync_site(store, site, clock())
    assert store.one(waiting)["waiting"] == 3
    assert issue(env)["people_ahead"] == 3


def test_day_boundary_ignores_the_machine_time_zone(tmp_path):
    code = ("from queue_server.clock import service_day; from datetime import datetime;"
            "print(service_day(datetime.fromisoformat('2026-11-23T16:59:59+00:00')),"
            " service_day(datetime.fromisoformat('2026-11-23T17:00:00+00:00')))")
    for tz in ("UTC", "America/New_York", "Asia/Tokyo"):
        out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "TZ": tz},
                             capture_output=True, text=True, check=True).stdout.split()
        assert out == ["2026-11-23", "2026-11-24"], tz


def test_life_cycle_and_event_log(env):
    store, site, clock = env
    t = issue(env)
    called = calling.call_next(store, site, clock(), "2", actor="staff:an")
    assert (called["id"], called["state"], called["counter"]) == (t["id"], "called", "2")
    clock.advance(minutes=1)
    assert calling.start(store, site, clock(), t["id"])["state"] == "serving"
    clock.advance(minutes=6)
    done = calling.finish(store, site, clock(), t["id"])
    assert done["state"] == "done" and done["finished_ts"] - done["started_ts"] == 360
    types = [r["type"] for r in store.query("SELECT type FROM ticket_events WHERE ticket_id = ? ORDER BY id", [t["id"]])]
    assert types == ["issued", "called", "started", "finished"]
    with pytest.raises(Exception, match="append-only"):
        with store.write() as tx:
            tx.execute("DELETE FROM ticket_events")


def test_recall_then_no_show_after_max_recalls(env):
    store, site, clock = env
    t = issue(env)
    calling.call_next(store, site, clock(), "2")
    for n in range(1, site.queue.max_recalls + 1):
        assert calling.recall(store, site, clock(), t["id"])["recalls"] == n
    assert calling.recall(store, site, clock(), t["id"])["state"] == "no_show"


def test_transfer_keeps_arrival_time_and_place(env):
    store, site, clock = env
    early = issue(env, "land")
    clock.advance(minutes=10)
    later_civil = issue(env, "civil")
    calling.call_next(store, site, clock(), "2")
    moved = calling.transfer(store, site, clock(), early["id"], "civil")
    # the visitor keeps their number: the board and the voice call A001 at the civil counter
    assert moved["arrived_ts"] == early["arrived_ts"] and moved["number"] == early["number"] == "A001"
    assert rules.get_ticket(store.db.conn, early["id"])["transferred_to"] == moved["id"]
    called = calling.call_next(store, site, clock(), "5")
    assert called["id"] == moved["id"] and called["number"] == "A001"  # arrived before later_civil
    assert calling.call_next(store, site, clock(), "6")["id"] == later_civil["id"]
    assert issue(env, "civil")["number"] == "B002"                      # no civil number was used up
    assert issue(env, "land")["number"] == "A002"


def test_calling_order_head_start_priority_counter_and_max_wait(env):
    store, site, clock = env
    normal = issue(env, "land")
    clock.advance(minutes=10)
    elderly = issue(env, "land", "elderly")  # 40 min head start beats a 10-minute lead
    clock.advance(minutes=1)
    assert calling.call_next(store, site, clock(), "2")["id"] == elderly["id"]
    assert calling.call_next(store, site, clock(), "3")["id"] == normal["id"]
    # the priority counter takes a priority ticket first even against a far earlier arrival
    first = issue(env, "civil")
    clock.advance(minutes=60)
    child = issue(env, "civil", "child_carer")
    assert calling.call_next(store, site, clock(), "1")["id"] == child["id"]
    # ... but nobody passes the maximum wait
    clock.advance(minutes=30)  # `first` has now waited 90 > 75 minutes
    issue(env, "civil", "disabled")
    assert calling.call_next(store, site, clock(), "1")["id"] == first["id"]


def test_cancel_pause_and_errors(env):
    store, site, clock = env
    t = issue(env, "civil")
    assert calling.cancel(store, site, clock(), t["id"], reason="nhầm")["state"] == "cancelled"
    with pytest.raises(RuleError) as e:
        calling.start(store, site, clock(), t["id"])
    assert e.value.code == "invalid_state"
    issue(env, "civil")
    calling.set_counter_state(store, site, clock(), "5", "paused")
    with pytest.raises(RuleError, match="paused"):
        calling.call_next(store, site, clock(), "5")
    calling.set_counter_state(store, site, clock(), "5", "open")
    assert calling.call_next(store, site, clock(), "5")["number"] == "B002"
    with pytest.raises(RuleError) as e:
        rules.get_ticket(store.db.conn, 999)
    assert e.value.code == "not_found"


def test_daily_cap_and_issuing_windows(env):
    store, site, clock = env
    cap = site.services["health"].daily_cap
    for _ in range(cap):
        issue(env, "health")
    with pytest.raises(RuleError) as e:
        issue(env, "health")
    assert e.value.code == "daily_cap_reached" and str(cap) in e.value.vi
    assert store.one("SELECT COUNT(*) AS n FROM tickets WHERE service = 'health'")["n"] == cap
    clock.set("2026-11-23T12:00:00+07:00")  # lunch break
    with pytest.raises(RuleError) as e:
        issue(env, "land")
    assert e.value.code == "outside_hours"


def test_call_next_finishes_what_was_served_and_never_counts_an_unstarted_call_as_served(env):
    store, site, clock = env
    a, b, c = issue(env), issue(env), issue(env)
    calling.call_next(store, site, clock(), "2")
    calling.start(store, site, clock(), a["id"])
    calling.call_next(store, site, clock(), "2")          # a was served: done
    assert rules.get_ticket(store.db.conn, a["id"])["state"] == "done"
    calling.call_next(store, site, clock(), "2")          # b was called, never started: not served
    assert rules.get_ticket(store.db.conn, b["id"])["state"] == "no_show"
    assert rules.get_ticket(store.db.conn, c["id"])["state"] == "called"


def test_call_next_may_refuse_over_an_unstarted_call_instead(env, tmp_path):
    import dataclasses
    store, site, clock = env
    asking = dataclasses.replace(site, queue=dataclasses.replace(site.queue, call_next_unstarted="refuse"))
    a, _ = issue(env), issue(env)
    calling.call_next(store, asking, clock(), "2")
    with pytest.raises(RuleError) as e:
        calling.call_next(store, asking, clock(), "2")
    assert e.value.code == "current_not_started" and a["number"] in e.value.vi
    assert rules.get_ticket(store.db.conn, a["id"])["state"] == "called"


def test_estimates_follow_the_rolling_service_time(env):
    from queue_server.hall.tickets.estimates import rolling_service_seconds
    store, site, clock = env
    before = rolling_service_seconds(store.db.conn, site, "land")
    assert before == site.services["land"].typical_minutes * 60
    for _ in range(5):
        t = issue(env)
        calling.call_next(store, site, clock(), "2")
        calling.start(store, site, clock(), t["id"])
        clock.advance(minutes=20)
        calling.finish(store, site, clock(), t["id"])
    assert rolling_service_seconds(store.db.conn, site, "land") > before * 1.5


def test_issued_ticket_is_exactly_what_was_stored(env):
    store, site, clock = env
    for priority in (None, "merit"):
        t = issue(env, "business", priority, actor="device:kiosk-1", priority_proof="cccd_age")
        stored = rules.get_ticket(store.db.conn, t["id"])
        assert {k: t[k] for k in stored} == stored


def test_a_new_day_closes_what_yesterday_left_open(env):
    store, site, clock = env
    serving, called, waiting = issue(env, "land"), issue(env, "land"), issue(env, "land")
    calling.call_next(store, site, clock(), "2")
    calling.call_next(store, site, clock(), "3")
    calling.start(store, site, clock(), serving["id"])
    clock.advance(days=1)
    assert issue(env, "civil")["number"] == "B001"
    states = {t["id"]: rules.get_ticket(store.db.conn, t["id"])["state"] for t in (waiting, called, serving)}
    assert states == {waiting["id"]: "cancelled", called["id"]: "cancelled", serving["id"]: "done"}
    reasons = store.query("SELECT data FROM ticket_events WHERE actor = 'system'")
    assert len(reasons) == 3 and all("day_closed" in r["data"] for r in reasons)
