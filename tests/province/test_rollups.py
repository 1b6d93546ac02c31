"""Property: the province's roll-ups and per-dossier facts give the figures of the direct
computation (every ticket's facts read, every dossier's status changes replayed) on the same
data: any tickets over any days, any dossier histories (supplement waits, completions before,
in and after the period, dossiers left out), any period, either on-time rule."""
from __future__ import annotations

import itertools
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from queue_server.province.stats import behind_sites, freshness, province_sql, refresh, roll_past
from queue_server.province.worker import FactWorker
from queue_server.reports.stats import facts
from queue_server.reports.stats.indicators import StatsRules
from queue_server.reports.stats.queries import PROVINCE_DIMENSIONS, breakdown
from queue_server.reports.stats.routes import indicators_answer

pytestmark = pytest.mark.xdist_group("postgres")
VN = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST = date(2026, 11, 2)  # a Monday: the 14 days hold two whole weeks
T0 = datetime(2026, 11, 2, tzinfo=VN).timestamp()
SITES = ("xa-a", "xa-b")
TABLES = ("sites", "dossiers", "dossier_events", "stats_ticket_facts", "stats_watermark", "stats_dirty",
          "stats_dirty_weeks", "stats_day_counts", "stats_day_hist", "stats_dossier_facts", "stats_derived")
_codes = itertools.count(1)


@pytest.fixture(scope="module")
def conn(postgres):
    from queue_server.province.schema import migrate
    dsn = postgres.create_database("rollups")
    with psycopg.connect(dsn, autocommit=True) as c:
        migrate(c)
        yield c


ticket = st.fixed_dictionaries({
    "site": st.sampled_from(SITES), "day": st.integers(0, 13), "hour": st.integers(7, 17),
    "service": st.sampled_from(("a", "b")), "counter": st.sampled_from(("1", "2", "")),
    "state": st.sampled_from(("done", "done", "no_show", "cancelled", "transferred")),
    "moved_in": st.booleans(), "wait": st.one_of(st.none(), st.integers(0, 5400)),
    "service_s": st.integers(0, 1800), "rating": st.sampled_from((None, "very_satisfied", "satisfied", "dissatisfied")),
})
# a dossier: site, received (hours after T0), due (hours after received, or none), channel, procedure,
# and its status changes as (hours after the previous one, new status)
dossier = st.tuples(st.sampled_from(SITES), st.integers(0, 20 * 24), st.one_of(st.none(), st.integers(0, 8 * 24)),
                    st.sampled_from((1, 2, 3)), st.sampled_from(("p1", "p2")),
                    st.lists(st.tuples(st.integers(1, 60), st.sampled_from((2, 4, 5, 5, 9, 10, 3, 7))), max_size=6))


def load(conn, tickets: list[dict], dossiers: list[tuple]) -> None:
    conn.execute(f"TRUNCATE {', '.join(TABLES)}")
    rows = []
    for n, t in enumerate(tickets, 1):
        day = (FIRST + timedelta(days=t["day"])).isoformat()
        issued = datetime.fromisoformat(day).replace(tzinfo=VN).timestamp() + t["hour"] * 3600
        served = t["state"] == "done"
        wait = None if t["state"] == "cancelled" else t["wait"]
        call = None if wait is None else issued + wait
        svc = t["service_s"] if served and call is not None else None
        end = call + (svc or 0) if call is not None and t["state"] != "cancelled" else None
        finish_hour = None if end is None else datetime.fromtimestamp(end, VN).hour
        rows.append((t["site"], n, day, t["hour"], None if end is None else day, finish_hour, t["service"],
                     t["counter"], "officer1", "", "kiosk", t["state"], int(not t["moved_in"]), int(t["moved_in"]),
                     int(served), int(t["state"] == "no_show"), int(t["state"] == "cancelled"),
                     int(t["state"] == "transferred"), 0, wait, svc, facts._whole_minutes(wait),
                     facts._whole_minutes(svc), t["rating"] if served else None, call, end))
    conn.cursor().executemany(f"INSERT INTO stats_ticket_facts (site, {', '.join(facts.COLUMNS)}) VALUES "
                              f"({', '.join(['%s'] * (len(facts.COLUMNS) + 1))})", rows)
    conn.cursor().executemany("INSERT INTO stats_dirty (site, day) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                              [(r[0], r[2]) for r in rows])
    ids = {s: 0 for s in SITES}
    for site, received_h, due_h, channel, procedure, changes in dossiers:
        code = f"000.00.00.H56-{next(_codes):06d}"
        received = T0 + received_h * 3600
        ts, status = received, 2
        events = []
        for after_h, to in changes:
            ts += after_h * 3600
            ids[site] += 1
            events.append((site, ids[site], code, ts, "status", status, to))
            status = to
        conn.execute("INSERT INTO dossiers (site, code, agency, day, seq, procedure, received_ts, due_ts, status, "
                     "status_ts, source, created_ts, version, channel) VALUES "
                     "(%s, %s, 'H56', '2026-11-01', 1, %s, %s, %s, %s, %s, 'counter', %s, 1, %s)",
                     (site, code, procedure, received, None if due_h is None else received + due_h * 3600, status,
                      ts, received, channel))
        conn.cursor().executemany("INSERT INTO dossier_events (site, id, code, ts, type, status_from, status_to) "
                                  "VALUES (%s, %s, %s, %s, %s, %s, %s)", events)
    for site in SITES:
        conn.execute('INSERT INTO sites (site, "cursor") VALUES (%s, %s)', (site, Jsonb({"dossier_events": ids[site]})))


def values(answer: dict) -> dict:
    return {i["code"]: (i["value"], i.get("numerator"), i.get("denominator")) for i in answer["indicators"]
            if i["code"] != "avg_processing_days"}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tickets=st.lists(ticket, max_size=40), dossiers=st.lists(dossier, max_size=16),
       today=st.integers(0, 14), span=st.tuples(st.integers(0, 20), st.integers(0, 12)),
       on_time_by=st.sampled_from(("day", "time")), max_supplements=st.integers(0, 2),
       shipped_first=st.floats(0, 1))
def test_province_rollups_answer_as_the_direct_computation(conn, tickets, dossiers, today, span, on_time_by,
                                                           max_supplements, shipped_first):
    load(conn, tickets, dossiers)
    # the fact worker's passes: over a first part of each site's log, then over the rest (a dossier's
    # facts derived again from all its events when more arrive) …
    full = dict(conn.execute('SELECT site, "cursor" FROM sites'))
    for site, cursor in full.items():
        part = int(cursor["dossier_events"] * shipped_first)
        conn.execute('UPDATE sites SET "cursor" = %s WHERE site = %s', (Jsonb({"dossier_events": part}), site))
    refresh(conn, VN, T0)
    for site, cursor in full.items():
        conn.execute('UPDATE sites SET "cursor" = %s WHERE site = %s', (Jsonb(cursor), site))
    refresh(conn, VN, T0)
    roll_past(conn, (FIRST + timedelta(days=today)).isoformat())  # … then days before "today" rolled
    first = FIRST + timedelta(days=span[0])
    last = first + timedelta(days=span[1])
    for site in (None, "xa-b"):
        rolled, direct = province_sql(conn, site), province_sql(conn, site, direct=True)
        for by in PROVINCE_DIMENSIONS:
            assert breakdown(rolled, FIRST, FIRST + timedelta(days=13), by) == \
                breakdown(direct, FIRST, FIRST + timedelta(days=13), by), (by, site)
        assert breakdown(rolled, first, last, "service") == breakdown(direct, first, last, "service")
        rules = StatsRules(on_time_by, max_supplements)
        fast, slow = (indicators_answer(sql, VN, first, last, rules) for sql in (rolled, direct))
        assert values(fast) == values(slow), site
        assert fast["channels"] == slow["channels"]
        assert [(p["procedure"], p["completed"]) for p in fast["procedures"]] == \
            [(p["procedure"], p["completed"]) for p in slow["procedures"]]
        for a, b in zip(fast["procedures"], slow["procedures"]):  # sums of days in another order
            assert a["avg_days"] == pytest.approx(b["avg_days"], abs=0.011)


def test_answers_say_how_fresh_they_are_and_the_fact_worker_catches_up_in_the_background(conn):
    dossiers = [("xa-a", 10, 48, 1, "p1", [(2, 5), (24, 4), (30, 9)]), ("xa-b", 30, 24, 2, "p2", [(5, 4)])]
    load(conn, [], dossiers)
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    # shipped but not derived yet: the answer is what is derived (nothing), and says which sites are behind
    fresh = freshness(conn, None, T0)
    assert fresh["up_to_date"] is False and fresh["as_of"] is None
    assert fresh["behind"] == [{"site": "xa-a", "rows": 3, "as_of": None}, {"site": "xa-b", "rows": 1, "as_of": None}]
    assert freshness(conn, "xa-b", T0)["behind"] == [{"site": "xa-b", "rows": 1, "as_of": None}]
    worker = FactWorker(conn.info.dsn, VN, lambda: datetime.fromtimestamp(T0 + 86400, VN), idle_seconds=0.05).start()
    try:
        deadline = time.monotonic() + 30
        while behind_sites(conn) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert freshness(conn, None, T0) == {"up_to_date": True, "as_of": "2026-11-02T00:00:00+07:00", "behind": []}
    ind = {i["code"]: i["value"] for i in indicators_answer(province_sql(conn), VN, first, last, StatsRules())
           ["indicators"]}
    # xa-a: received 11-02 10:00, due 11-04 10:00, 24 h waiting for a supplement → due 11-05; done 11-04 18:00
    assert (ind["received"], ind["completed_on_time"], ind["completed_late"], ind["in_progress_late"]) == (2, 1, 0, 1)
    # more shipped later: behind again, with when that site's figures were last complete
    conn.execute("INSERT INTO dossier_events (site, id, code, ts, type, status_from, status_to) "
                 "SELECT site, 2, code, %s, 'status', 4, 9 FROM dossiers WHERE site = 'xa-b'", (T0 + 3 * 86400,))
    conn.execute("""UPDATE sites SET "cursor" = '{"dossier_events": 2}' WHERE site = 'xa-b'""")
    assert freshness(conn, None, T0 + 2 * 86400)["behind"] == [
        {"site": "xa-b", "rows": 1, "as_of": "2026-11-03T00:00:00+07:00"}]


# tests/server/test_stats_indicators.py's history at one province site (whole hours after T0 = 11-02 00:00):
# (site, received, due after received, channel, procedure, [(hours after the previous change, status)])
HAND = [
    ("xa-a", 440, 81, 1, "p1", [(74, 9)]),                           # X1 11-20 08:00, done 11-23 10:00
    ("xa-a", 512, 9, 1, "p2", [(1, 5), (24, 4), (11, 9)]),           # X2 11-23 08:00, 24 h supplement, done 11-24 20:00
    ("xa-a", 512, 177, 2, "p1", [(1, 5), (1, 4), (1, 5), (1, 4)]),   # X3 two supplement requests, open
    ("xa-a", 536, 9, 3, "p1", []),                                   # X4 11-24 08:00, open on its due day
    ("xa-a", 200, 249, 1, "p1", [(1, 4)]),                           # X5 11-10, due 11-20, open
    ("xa-a", 320, 120, 1, "p1", [(72, 9)]),                          # X6 done 11-18: not counted
    ("xa-a", 512, 24, 1, "p1", [(1, 3)]),                            # X7 not accepted: left out
]
COUNTS = ("received", "carried_over", "completed_on_time", "completed_late", "in_progress_late", "on_time_rate")


@pytest.mark.parametrize("first, last, rules, expected", [
    ("2026-11-23", "2026-11-24", StatsRules(), (3, 2, 2, 0, 2, 60.0)),
    ("2026-11-23", "2026-11-24", StatsRules(max_supplements_on_time=2), (3, 2, 2, 0, 1, 80.0)),
    ("2026-11-23", "2026-11-24", StatsRules(on_time_by="time"), (3, 2, 1, 1, 3, 20.0)),
    ("2026-11-24", "2026-11-24", StatsRules(), (1, 3, 1, 0, 2, 50.0)),
    # X2 still waiting for its supplement at the end of 11-23 (its completion, later, is replayed away)
    ("2026-11-23", "2026-11-23", StatsRules(), (2, 2, 1, 0, 2, 50.0)),
])
def test_the_hand_computed_766_history_reads_the_same_from_the_province_facts(conn, first, last, rules, expected):
    load(conn, [], HAND)
    refresh(conn, VN, T0)
    for sql in (province_sql(conn), province_sql(conn, direct=True)):
        out = indicators_answer(sql, VN, date.fromisoformat(first), date.fromisoformat(last), rules)
        ind = {i["code"]: i["value"] for i in out["indicators"]}
        assert tuple(ind[c] for c in COUNTS) == expected, sql.dossier_facts
        if (first, last) == ("2026-11-23", "2026-11-24"):  # X1 3 d 2 h, X2 36 h − 24 h
            assert ind["avg_processing_days"] == round((74 / 24 + 0.5) / 2, 2)
            assert {ch["channel"]: ch["received"] for ch in out["channels"]} == {1: 1, 2: 1, 3: 1}


def test_facts_derived_before_the_roll_ups_existed_still_count_after_the_upgrade(postgres):
    from queue_server.province.schema import MIGRATIONS, migrate
    with psycopg.connect(postgres.create_database("upgrade"), autocommit=True) as c:
        c.execute("CREATE TABLE province_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL "
                  "DEFAULT now())")
        for name, sql in MIGRATIONS[:3]:  # a province from before the roll-ups, with facts of past days
            c.execute(sql)
            c.execute("INSERT INTO province_migrations (name) VALUES (%s)", (name,))
        for n, day in enumerate(("2026-11-02", "2026-11-03"), 1):
            c.execute(f"INSERT INTO stats_ticket_facts (site, {', '.join(facts.COLUMNS)}) VALUES "
                      f"({', '.join(['%s'] * (len(facts.COLUMNS) + 1))})",
                      ("xa-a", n, day, 8, day, 8, "a", "1", "officer1", "", "kiosk", "done", 1, 0, 1, 0, 0, 0, 0,
                       60.0, 120.0, 1, 2, None, 1.0, 2.0))
        assert [m for m in migrate(c) if m.startswith("m004")]
        first, last = date(2026, 11, 1), date(2026, 11, 30)
        assert breakdown(province_sql(c), first, last, "site")["totals"]["issued"] == 2  # read live
        roll_past(c, "2026-12-01")
        assert not c.execute("SELECT 1 FROM stats_dirty").fetchone()
        assert breakdown(province_sql(c), first, last, "site") == breakdown(province_sql(c, direct=True), first,
                                                                            last, "site")
        assert breakdown(province_sql(c), first, last, "site")["totals"]["issued"] == 2  # rolled
