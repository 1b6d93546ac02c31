"""Statistics equal hand-computed figures on a fixed event log built through the real API.

The log (local time, Asia/Ho_Chi_Minh; D1 = Monday 2026-11-23, D2 = the next day):

    08:00 T1 land          08:21 c2 calls T1 (wait 21)   08:25 finish, no start (service 4)
    08:02 T2 land elderly  08:10 c2 calls T2 (wait 8)    08:12 recall  08:14 start  08:20 finish (service 6)
    08:05 T3 civil         08:06 c5 calls T3 (wait 1)    08:08 no-show
    08:07 T4 civil         08:09 c5 calls T4 (wait 2)    08:10 start   08:15 transferred to land → T5
          T5 land (issued 08:15 by the transfer)  08:25 c2 calls T5 (wait 10)  08:26 start  08:35 finish (9)
    08:20 T6 civil         08:30 cancelled while waiting (no wait)
    16:00 T9 civil         16:01 c5 calls T9 (wait 1)    16:02 start, never finished: closed by the day's end
    23:50 T7 land          23:55 c3 calls T7 (wait 5)    23:58 start   D2 00:06 finish (service 8)
    D2 00:30 T8 land (17:30 UTC on D1: the time-zone trap)  00:40 c3 calls (wait 10)  00:52 finish (12)
Counters 2 and 3 are worked by officer1, counter 5 by officer2. Ratings: T2 "Không hài lòng"
("Chờ lâu"), T1 "Rất hài lòng", T5 "Hài lòng".
"""
from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from bench.live_server import PASSWORD, STAFF
from queue_server.app import create_app
from queue_server.auth.accounts import add_device, add_user
from queue_server.clock import FakeClock
from queue_server.settings import Settings

D1, D2 = "2026-11-23", "2026-11-24"


class Center:
    def __init__(self, client: TestClient, clock: FakeClock, headers: dict):
        self.client, self.clock, self.h = client, clock, headers

    def at(self, when: str) -> "Center":
        self.clock.set(when if "T" in when else f"{D1}T{when}:00+07:00")
        return self

    def issue(self, service: str, priority: str | None = None) -> int:
        body = {"service": service, **({"priority": priority} if priority else {})}
        r = self.client.post("/api/v1/tickets", json=body,
                             headers={**self.h["kiosk"], "Idempotency-Key": uuid.uuid4().hex})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def call(self, counter: str, who: str) -> int:
        r = self.client.post(f"/api/v1/counters/{counter}/call-next", json={}, headers=self.h[who])
        assert r.status_code == 200, r.text
        return r.json()["id"]

    def act(self, ticket: int, action: str, who: str, **body) -> dict:
        r = self.client.post(f"/api/v1/tickets/{ticket}/{action}", headers=self.h[who], json=body or None)
        assert r.status_code == 200, r.text
        return r.json()

    def rate(self, ticket: int, level: str, reason: str | None = None) -> None:
        r = self.client.post("/api/v1/ratings", json={"ticket_id": ticket, "level": level, "reason": reason},
                             headers=self.h["rating"])
        assert r.status_code == 201, r.text

    def stats(self, **params) -> dict:
        r = self.client.get("/api/v1/stats", params=params, headers=self.h["supervisor"])
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def center(tmp_path):
    clock = FakeClock(f"{D1}T08:00:00+07:00")
    app = create_app(Settings(db_path=tmp_path / "stats.sqlite", clock=clock, public_rate_per_minute=0,
                              enforce_windows=False, token_ttl_hours=24 * 60,
                              stats_refresh_seconds=0))  # every query sees the step just played
    store = app.state.store
    for role, name in {**STAFF, "officer2": "officer2"}.items():
        add_user(store, name, "officer" if role == "officer2" else role, PASSWORD)
    headers = {role: {"Authorization": "Bearer " + add_device(store, f"test-{role}", role)}
               for role in ("kiosk", "rating")}
    with TestClient(app) as client:
        for role, name in {**STAFF, "officer2": "officer2"}.items():
            r = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
            headers[role] = {"Authorization": "Bearer " + r.json()["token"]}
        yield Center(client, clock, headers)


def play_log(c: Center) -> dict[str, int]:
    t = {}
    c.at("08:00"); t["T1"] = c.issue("land")
    c.at("08:02"); t["T2"] = c.issue("land", "elderly")
    c.at("08:05"); t["T3"] = c.issue("civil")
    c.at("08:06"); assert c.call("5", "officer2") == t["T3"]
    c.at("08:07"); t["T4"] = c.issue("civil")
    c.at("08:08"); c.act(t["T3"], "no-show", "officer2")
    c.at("08:09"); assert c.call("5", "officer2") == t["T4"]
    c.at("08:10"); assert c.call("2", "officer") == t["T2"]  # the elderly visitor's head start
    c.act(t["T4"], "start", "officer2")
    live = c.stats(**{"from": D1, "to": D1, "by": "service"})  # mid-morning: the facts follow the log
    land = next(r for r in live["rows"] if r["key"] == "land")
    assert (land["issued"], land["served"], land["wait_max_min"]) == (2, 0, 8.0)
    c.at("08:12"); c.act(t["T2"], "recall", "officer")
    c.at("08:14"); c.act(t["T2"], "start", "officer")
    c.at("08:15"); t["T5"] = c.act(t["T4"], "transfer", "officer2", service="land")["id"]
    c.at("08:20"); c.act(t["T2"], "finish", "officer"); c.rate(t["T2"], "dissatisfied", "Chờ lâu")
    t["T6"] = c.issue("civil")
    c.at("08:21"); assert c.call("2", "officer") == t["T1"]
    c.at("08:25"); c.act(t["T1"], "finish", "officer"); c.rate(t["T1"], "very_satisfied")
    assert c.call("2", "officer") == t["T5"]
    c.at("08:26"); c.act(t["T5"], "start", "officer")
    c.at("08:30"); c.act(t["T6"], "cancel", "officer")
    c.at("08:35"); c.act(t["T5"], "finish", "officer"); c.rate(t["T5"], "satisfied")
    c.at("16:00"); t["T9"] = c.issue("civil")
    c.at("16:01"); assert c.call("5", "officer2") == t["T9"]
    c.at("16:02"); c.act(t["T9"], "start", "officer2")
    c.at("23:50"); t["T7"] = c.issue("land")
    c.at("23:55"); assert c.call("3", "officer") == t["T7"]
    c.at("23:58"); c.act(t["T7"], "start", "officer")
    c.at(f"{D2}T00:06:00+07:00"); c.act(t["T7"], "finish", "officer")
    c.at("2026-11-23T17:30:00+00:00"); t["T8"] = c.issue("land")  # = D2 00:30 in Vietnam
    c.at(f"{D2}T00:40:00+07:00"); assert c.call("3", "officer") == t["T8"]
    c.at(f"{D2}T00:52:00+07:00"); c.act(t["T8"], "finish", "officer")
    return t


def rows_by_key(result: dict) -> dict:
    return {r["key"]: r for r in result["rows"]}


def pick(row: dict, *keys: str) -> tuple:
    return tuple(row[k] for k in keys)


COUNT_KEYS = ("issued", "transferred_in", "served", "no_show", "cancelled", "transferred", "recalls")
WAIT_KEYS = ("wait_mean_min", "wait_p50_min", "wait_p90_min", "wait_max_min", "service_mean_min", "service_p90_min")


def test_figures_by_service_equal_the_hand_computed_log(center):
    t = play_log(center)
    out = center.stats(**{"from": D1, "to": D2, "by": "service"})
    assert (out["from"], out["to"], out["by"]) == (D1, D2, "service")
    rows = rows_by_key(out)
    assert set(rows) == {"land", "civil"}
    land, civil = rows["land"], rows["civil"]
    assert land["label"] == "Đất đai"
    # land: T1 T2 T7 T8 issued, T5 moved in; waits 21 8 10 5 10; services 4 6 9 8 12
    assert pick(land, *COUNT_KEYS) == (4, 1, 5, 0, 0, 0, 1)
    assert pick(land, *WAIT_KEYS) == (10.8, 10.0, 21.0, 21.0, 7.8, 12.0)
    assert pick(land, "rated_very_satisfied", "rated_satisfied", "rated_dissatisfied") == (1, 1, 1)
    # civil: T3 no-show, T4 transferred, T6 cancelled, T9 closed by the day's end (served, no service time)
    assert pick(civil, *COUNT_KEYS) == (4, 0, 1, 1, 1, 1, 0)
    assert pick(civil, *WAIT_KEYS) == (1.33, 1.0, 2.0, 2.0, None, None)
    # all: waits 1 1 2 5 8 10 10 21 (nearest rank: p50 = 4th, p90 = 8th)
    assert pick(out["totals"], *COUNT_KEYS) == (8, 1, 6, 1, 1, 1, 1)
    assert pick(out["totals"], *WAIT_KEYS) == (7.25, 5.0, 21.0, 21.0, 7.8, 12.0)
    assert out["ratings"] == [{"level": "dissatisfied", "reason": "Chờ lâu", "count": 1}]
    assert out["results"] == {"deposited": 0, "collected": 0, "overdue": 0, "returned": 0}
    # D1 is over and rolled up; a late rating of T7 (finished after midnight) still counts
    center.rate(t["T7"], "satisfied")
    again = rows_by_key(center.stats(**{"from": D1, "to": D2, "by": "service"}))
    assert again["land"]["rated_satisfied"] == 2 and again["land"]["wait_mean_min"] == 10.8
    # a week later the whole week is read from its weekly roll-up: the same figures
    center.at("2026-12-02T09:00:00+07:00")
    week = center.stats(**{"from": D1, "to": "2026-11-29", "by": "service"})
    assert rows_by_key(week) == again and week["totals"] == center.stats(**{"from": D1, "to": D2})["totals"]
    store = center.client.app.state.store
    assert store.one("SELECT COUNT(*) AS n FROM stats_day_hist WHERE unit = 'w' AND day = ?", [D1])["n"] > 0


def test_days_are_cut_at_local_midnight_and_tickets_belong_to_their_issue_day(center):
    play_log(center)
    days = rows_by_key(center.stats(**{"from": D1, "to": D2, "by": "day"}))
    # T7 (issued 23:50, finished after midnight) stays on D1; T8 (17:30 UTC on D1) is D2's
    assert pick(days[D1], "issued", "served", "wait_max_min") == (7, 5, 21.0)
    assert pick(days[D2], "issued", "served", "wait_mean_min", "service_mean_min") == (1, 1, 10.0, 12.0)
    only_d1 = center.stats(**{"from": D1, "to": D1, "by": "service"})
    assert only_d1["totals"]["issued"] == 7 and rows_by_key(only_d1)["land"]["issued"] == 3
    only_d2 = center.stats(**{"from": D2, "to": D2, "by": "service"})
    assert pick(only_d2["totals"], "issued", "served") == (1, 1)
    hours = rows_by_key(center.stats(**{"from": D1, "to": D2, "by": "hour"}))
    assert sorted(hours) == [0, 8, 16, 23]
    assert pick(hours[8], "issued", "transferred_in", "served_at_hour") == (5, 1, 3)
    assert pick(hours[0], "issued", "served_at_hour") == (1, 2)  # T8 issued; T7 and T8 finished in hour 0
    assert pick(hours[23], "issued", "served_at_hour") == (1, 0)
    assert hours[16]["served_at_hour"] == 0  # T9's finish was the system closing the day, not a service


def test_figures_by_officer_counter_priority_and_channel(center):
    play_log(center)
    span = {"from": D1, "to": D2}
    officers = rows_by_key(center.stats(**span, by="officer"))
    assert pick(officers["officer1"], "issued", "transferred_in", "served", "wait_mean_min", "service_mean_min") \
        == (4, 1, 5, 10.8, 7.8)
    assert pick(officers["officer2"], "issued", "served", "no_show", "transferred", "wait_mean_min") == (3, 1, 1, 1, 1.33)
    assert pick(officers[""], "issued", "cancelled") == (1, 1)
    counters = rows_by_key(center.stats(**span, by="counter"))
    assert {k: r["served"] for k, r in counters.items()} == {"": 0, "2": 3, "3": 2, "5": 1}
    assert pick(counters["3"], "wait_mean_min", "service_mean_min", "service_p90_min") == (7.5, 10.0, 12.0)
    # open from the day's first call to its last end, idle = open − time with a ticket:
    # c2 08:10–08:35 with T2 10 + T1 4 + T5 10; c3 23:55–00:06 (D1) and 00:40–00:52 (D2);
    # c5 08:06–08:15 with T3 2 + T4 6 (T9's end was the day closing: not counted)
    assert {k: (r["open_min"], r["idle_min"]) for k, r in counters.items() if k} == {
        "2": (25.0, 1.0), "3": (23.0, 0.0), "5": (9.0, 1.0)}
    priority = rows_by_key(center.stats(**span, by="priority"))
    assert pick(priority["elderly"], "issued", "served", "recalls", "wait_mean_min", "service_mean_min") \
        == (1, 1, 1, 8.0, 6.0)
    assert priority["elderly"]["label"] == "Người cao tuổi (từ 60 tuổi)"
    assert pick(priority[""], "issued", "served", "wait_p50_min") == (7, 5, 5.0)
    channels = rows_by_key(center.stats(**span, by="channel"))
    assert list(channels) == ["kiosk"] and channels["kiosk"]["issued"] == 8


def test_satisfaction_indicator_and_exports_match_the_api(center):
    play_log(center)
    client, h = center.client, center.h["supervisor"]
    ind = client.get("/api/v1/stats/indicators", params={"from": D1, "to": D2}, headers=h).json()
    sat = next(i for i in ind["indicators"] if i["code"] == "satisfaction")
    assert (sat["value"], sat["numerator"], sat["denominator"]) == (83.33, 5, 6)
    assert "Không hài lòng" in sat["formula"]

    api = center.stats(**{"from": D1, "to": D2, "by": "service"})
    x = client.get("/api/v1/stats", params={"from": D1, "to": D2, "by": "service", "format": "xlsx"}, headers=h)
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(x.content)).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0][0].startswith("Trung tâm Phục vụ hành chính công")
    header_at = next(i for i, r in enumerate(values) if r[0] == "Lĩnh vực")
    header = values[header_at]
    assert header[:4] == ["Lĩnh vực", "Tên", "Số phát hành", "Nhận chuyển đến"]
    table = {r[0]: dict(zip(header, r)) for r in values[header_at + 1:]}
    for row in api["rows"]:
        sheet = table[row["key"]]
        assert sheet["Số phát hành"] == row["issued"] and isinstance(sheet["Số phát hành"], int)
        assert sheet["Chờ TB (phút)"] == row["wait_mean_min"] and sheet["Chờ P90 (phút)"] == row["wait_p90_min"]
    assert table["Tổng cộng"]["Đã phục vụ"] == api["totals"]["served"]

    days = client.get("/api/v1/stats", params={"from": D1, "to": D2, "by": "day", "format": "xlsx"}, headers=h)
    ws = load_workbook(io.BytesIO(days.content)).active
    cells = [r for r in ws.iter_rows(values_only=True) if r and hasattr(r[0], "year")]
    assert [c[0].date().isoformat() for c in cells] == [D1, D2]  # real dates, not text

    text = client.get("/api/v1/stats", params={"from": D1, "to": D2, "by": "service", "format": "csv"}, headers=h)
    assert text.headers["content-type"].startswith("text/csv") and text.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Lĩnh vực", "Tên", "Số phát hành"]
    land = next(r for r in rows if r[0] == "land")
    assert float(land[rows[0].index("Chờ TB (phút)")]) == 10.8

    ind_x = client.get("/api/v1/stats/indicators", params={"from": D1, "to": D2, "format": "xlsx"}, headers=h)
    ws = load_workbook(io.BytesIO(ind_x.content)).active
    named = {r[1]: r for r in ws.iter_rows(values_only=True) if r and len(r) > 2}
    assert named["Mức độ hài lòng trong tiếp nhận, giải quyết"][2] == 83.33


def test_bad_parameters_are_clear_4xx_and_only_supervisors_see_figures(center):
    client, h = center.client, center.h
    for params in ({"from": "2026-13-01"}, {"from": "23/11/2026"}, {"from": D2, "to": D1}, {"by": "weekday"},
                   {"format": "pdf"}, {"from": "2024-01-01", "to": D2}):
        r = client.get("/api/v1/stats", params=params, headers=h["supervisor"])
        assert r.status_code == 422, (params, r.text)
        err = r.json()["error"]
        assert err["code"] == "validation_error" and err["message"]
    assert client.get("/api/v1/stats/report", params={"month": "2026-13"}, headers=h["supervisor"]).status_code == 422
    assert client.get("/api/v1/stats", headers=h["officer"]).status_code == 403
    assert client.get("/api/v1/stats").status_code == 401
    assert client.get("/api/v1/stats/indicators", headers=h["kiosk"]).status_code == 403


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from("abc"), st.lists(st.floats(min_value=0, max_value=6 * 3600, allow_nan=False),
                                                       min_size=1, max_size=40), min_size=1))
def test_percentiles_in_sql_are_the_nearest_rank_minute(seconds):
    """The SQL ranking (window sums over minute histograms) against a sort in Python."""
    import sqlite3
    from queue_server.reports.stats.queries import percentiles_sql
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE h (k TEXT, minute INTEGER, n INTEGER)")
    db.executemany("INSERT INTO h VALUES (?, ?, 1)", [(k, int(s // 60)) for k, v in seconds.items() for s in v])
    got = {k: (p50, p90) for k, p50, p90 in db.execute(percentiles_sql("SELECT k, minute, n FROM h"))}
    for k, values in seconds.items():
        ordered = sorted(values)
        rank = {p: ordered[-(-p * len(ordered) // 100) - 1] // 60 for p in (50, 90)}
        assert got[k] == (rank[50], rank[90])


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)), st.integers(0, 60),
       st.sets(st.integers(0, 60)), st.sets(st.integers(0, 9)))
def test_a_range_is_split_into_weeks_days_and_live_days_covering_each_day_once(first, length, dirty, dirty_weeks):
    from queue_server.reports.stats.rollup import plan
    last = first + timedelta(days=length)
    dirty_days = {(first + timedelta(days=i)).isoformat() for i in dirty}
    mondays = {(first - timedelta(days=first.weekday()) + timedelta(weeks=i)).isoformat() for i in dirty_weeks}
    weeks, days, live = plan(first, last, dirty_days, mondays)
    covered = [(date.fromisoformat(m) + timedelta(days=i)).isoformat() for m in weeks for i in range(7)] + days + live
    assert sorted(covered) == [(first + timedelta(days=i)).isoformat() for i in range(length + 1)]
    assert set(live) == dirty_days & set(covered) and not set(weeks) & mondays
    assert all(date.fromisoformat(m).weekday() == 0 for m in weeks)


def test_figures_follow_the_log_within_the_refresh_interval(tmp_path):
    """With the production setting (catch up at most once a second) a new ticket shows within a second."""
    import time as real_time
    clock = FakeClock(f"{D1}T08:00:00+07:00")
    app = create_app(Settings(db_path=tmp_path / "s.sqlite", clock=clock, public_rate_per_minute=0))
    add_user(app.state.store, "sup", "supervisor", PASSWORD)
    kiosk = {"Authorization": "Bearer " + add_device(app.state.store, "k", "kiosk")}
    with TestClient(app) as client:
        sup = {"Authorization": "Bearer " + client.post(
            "/api/v1/auth/login", json={"username": "sup", "password": PASSWORD}).json()["token"]}

        def issued() -> int:
            return client.get("/api/v1/stats", params={"from": D1, "to": D1}, headers=sup).json()["totals"]["issued"]

        def issue() -> None:
            r = client.post("/api/v1/tickets", json={"service": "land"},
                            headers={**kiosk, "Idempotency-Key": uuid.uuid4().hex})
            assert r.status_code == 201
        issue()
        assert issued() == 1
        issue()
        real_time.sleep(1.05)
        assert issued() == 2
