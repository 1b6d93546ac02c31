"""Property tests of the queue invariants, on a real SQLite store, under random days."""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from queue_server.hall.tickets import calling, rules
from queue_server.clock import FakeClock, to_ts
from queue_server.config import load_site
from queue_server.hall.tickets.schema import migrations
from queue_server.store import Store

SITE = load_site()
SERVICES = ["land", "civil", "tax"]
COUNTERS = ["1", "2", "5", "8", "14"]
GROUPS = [None, None, None, "elderly", "disabled", "child_carer"]

ops = st.lists(st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(SERVICES), st.sampled_from(GROUPS)),
    st.tuples(st.just("wait"), st.integers(0, 40)),
    st.tuples(st.just("call"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("finish"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("midnight"),),
), min_size=1, max_size=60)


def run_day(steps):
    """Play the steps; before every call, note what was waiting (for the max-wait check)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "q.sqlite", [migrations])
        rules.sync_site(store, SITE)
        clock = FakeClock("2026-11-23T07:00:00+07:00")
        calls = []
        for step in steps:
            if step[0] == "issue":
                rules.issue_ticket(store, SITE, clock(), step[1], priority=step[2], enforce_windows=False)
            elif step[0] == "wait":
                clock.advance(minutes=step[1])
            elif step[0] == "midnight":
                clock.advance(hours=24)
            elif step[0] == "call":
                waiting = store.query("SELECT id, service, arrived_ts, day FROM tickets WHERE state = 'waiting'")
                got = calling.call_next(store, SITE, clock(), step[1])
                if got:
                    calls.append((to_ts(clock()), step[1], got, waiting))
            elif step[0] == "finish":
                held = store.one("SELECT id FROM tickets WHERE counter = ? AND state = 'called'", [step[1]])
                if held:
                    calling.finish(store, SITE, clock(), held["id"])
        tickets = store.query("SELECT * FROM tickets ORDER BY id")
        events = store.query("SELECT * FROM ticket_events ORDER BY id")
        store.close()
    return tickets, events, calls


common = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(ops)
def test_no_number_repeats_in_a_day(steps):
    tickets, _, _ = run_day(steps)
    numbers = [(t["day"], t["number"]) for t in tickets]
    assert len(numbers) == len(set(numbers))
    for day in {t["day"] for t in tickets}:
        for service in SERVICES:  # and they are 1..n without gaps
            seqs = sorted(t["seq"] for t in tickets if t["day"] == day and t["service"] == service)
            assert seqs == list(range(1, len(seqs) + 1))


@common
@given(ops)
def test_a_ticket_is_held_by_one_counter_at_most(steps):
    tickets, events, calls = run_day(steps)
    called = [e["ticket_id"] for e in events if e["type"] == "called"]
    assert len(called) == len(set(called))  # nobody is called twice, so never by two counters
    held = [t["counter"] for t in tickets if t["state"] in ("called", "serving")]
    assert len(held) == len(set(held))  # and a counter holds one ticket at a time
    for t in tickets:
        if t["state"] == "waiting":
            assert t["counter"] is None
        if t["state"] in ("called", "serving"):
            assert t["counter"] is not None


@common
@given(ops)
def test_equal_groups_are_served_in_arrival_order(steps):
    _, _, calls = run_day(steps)
    last: dict = {}
    for _, _, got, _ in calls:
        key = (got["day"], got["service"], got["priority"])
        assert got["arrived_ts"] >= last.get(key, (float("-inf"),))[0]
        last[key] = (got["arrived_ts"], got["id"])


@common
@given(ops)
def test_nobody_passes_the_maximum_wait_while_later_arrivals_are_served(steps):
    _, _, calls = run_day(steps)
    for now, counter, got, waiting in calls:
        served = SITE.counters[counter].services
        for w in waiting:
            overdue = now - w["arrived_ts"] > SITE.services[w["service"]].max_wait_minutes * 60
            if overdue and w["service"] in served and w["day"] == got["day"]:
                assert w["arrived_ts"] >= got["arrived_ts"], (w, got)


# "veteran": a group removed from the config while its tickets still wait
candidates = st.lists(st.tuples(st.sampled_from(SERVICES), st.sampled_from(GROUPS + ["veteran"]),
                                st.integers(0, 300)), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None)
@given(candidates, st.integers(0, 400), st.sampled_from(COUNTERS))
def test_the_store_calls_exactly_whom_the_rule_says(rows, now_min, counter):
    """The store narrows the choice with SQL for speed; it must agree with ordering.Rule everywhere."""
    from queue_server.hall.tickets.estimates import people_ahead
    from queue_server.hall.tickets.ordering import Candidate, Rule
    rule = Rule.from_site(SITE)
    base = to_ts(FakeClock("2026-11-23T07:00:00+07:00")())
    now = base + now_min * 60
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "q.sqlite", [migrations])
        with store.write() as tx:
            for n, (service, group, minute) in enumerate(rows):
                tx.execute("INSERT INTO tickets (day, service, seq, number, priority, issued_ts, arrived_ts) "
                           "VALUES ('d', ?, ?, ?, ?, ?, ?)", (service, n + 1, f"X{n}", group, base, base + minute * 60))
        tickets = store.query("SELECT * FROM tickets")
        k = SITE.counters[counter]
        cands = [Candidate(t["id"], t["service"], t["priority"], t["arrived_ts"]) for t in tickets]
        expected = rule.pick(cands, k.services, now, k.priority)
        assert calling.pick_next(store.db.conn, SITE, "d", k.services, now, k.priority) == (expected and expected.id)
        for t in tickets:
            same = [c for c in cands if c.service == t["service"]]
            ahead = rule.order(same, now).index(next(c for c in same if c.id == t["id"]))
            assert people_ahead(store.db.conn, SITE, t, now) == ahead
        store.close()


counts_ops = st.lists(st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(SERVICES), st.sampled_from(GROUPS)),
    st.tuples(st.just("call"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("transfer"), st.integers(0, 30), st.sampled_from(SERVICES)),
    st.tuples(st.just("midnight"),),
), min_size=1, max_size=40)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts_ops)
def test_waiting_counts_kept_by_the_writers_match_the_tickets(steps):
    """Issue and call read the queue length from day_sequences (the number upsert counts a new
    ticket, triggers count state changes) instead of
    counting: after any mix of changes it equals the real count, and a new ticket without
    priority is told exactly the people the rule puts ahead of it."""
    from queue_server.errors import RuleError
    from queue_server.hall.tickets.estimates import people_ahead
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "q.sqlite", [migrations])
        rules.sync_site(store, SITE)
        clock = FakeClock("2026-11-23T07:00:00+07:00")
        for step in steps:
            clock.advance(minutes=1)
            try:
                if step[0] == "issue":
                    t, _ = rules.issue_ticket(store, SITE, clock(), step[1], priority=step[2], enforce_windows=False)
                    if step[2] is None:
                        assert t["people_ahead"] == people_ahead(store.db.conn, SITE, t, to_ts(clock()))
                elif step[0] == "call":
                    calling.call_next(store, SITE, clock(), step[1])
                elif step[0] == "cancel":
                    calling.cancel(store, SITE, clock(), step[1] + 1)
                elif step[0] == "transfer":
                    calling.transfer(store, SITE, clock(), step[1] + 1, step[2])
                else:
                    clock.advance(hours=24)
            except RuleError:
                pass  # refused changes (unknown ticket, wrong state) must leave the counts alone too
            kept = {(r["day"], r["service"]): r["waiting"] for r in store.query("SELECT * FROM day_sequences")}
            real = {(r["day"], r["service"]): r["n"] for r in store.query(
                "SELECT day, service, COUNT(*) AS n FROM tickets WHERE state = 'waiting' GROUP BY day, service")}
            assert {k: v for k, v in kept.items() if v} == real
        store.close()


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=32), st.none() | st.text(max_size=32), st.sampled_from(["kiosk", "web", "counter"]),
       st.none() | st.text(max_size=32))
def test_request_digest_matches_the_stored_format(service, priority, channel, proof):
    """Keys stored before the fast digest must still match the same request (any text:
    Vietnamese, quotes, control characters), or a retry would be refused as a different one."""
    import hashlib
    import json
    from queue_server.hall.tickets.routes import IssueRequest, request_digest
    body = IssueRequest(service=service, priority=priority, channel=channel, priority_proof=proof)
    dump = body.model_dump()
    assert dump.pop("person_hash") is None       # not sent: the format stored before it existed
    stored = hashlib.sha256(json.dumps(dump, sort_keys=True).encode()).hexdigest()
    assert request_digest(body) == stored
    card = IssueRequest(service=service, priority=priority, channel=channel, priority_proof=proof,
                        person_hash="ab" * 16)
    assert request_digest(card) == hashlib.sha256(json.dumps(card.model_dump(), sort_keys=True).encode()).hexdigest()
