"""Decision 766 indicators on a fixed dossier history, computed by hand.

Period: 2026-11-23 … 2026-11-24 (local days).
    X1 received 11-20 08:00 (carried over), due 11-23 17:00, done 11-23 10:00        → on time, 3.08 days
    X2 received 11-23 08:00, due 11-23; supplement asked 11-23 09:00, back 11-24 09:00;
       done 11-24 20:00: the 24 h wait moves the due date to 11-24                   → on time, 0.5 days
    X3 received 11-23 08:30 online, due 11-30, two supplement requests, still open  → late (> 1 request)
    X4 received 11-24 08:00 by post, due 11-24, still open at the end (due day)     → not late
    X5 received 11-10, due 11-20, processing                                        → late, carried over
    X6 received 11-15, done 11-18 (before the period)                               → not counted
    X7 received 11-23, not accepted                                                 → left out
late rate = (0 completed late + 2 open late) ÷ (3 received + 2 carried) = 40 %, on time 60 %.
"""
from __future__ import annotations

import pytest

from queue_server.config import ConfigError, load_site, parse_site
from queue_server.reports.stats.indicators import rules_of
from tests.server.test_stats_figures import center  # noqa: F401  (fixture)


def dossier(c, code_seq: int, received: str, *, due_date=None, due_at=None, procedure="1.004227", channel=1,
            status=2) -> str:
    body = {"received_at": received, "procedure": procedure, "channel": channel, "status": status,
            "code": f"000.00.00.H56-261101-{code_seq:04d}"}
    if due_date:
        body["due_date"] = due_date
    if due_at:
        body["due_at"] = due_at
    r = c.client.post("/api/v1/dossiers", json=body, headers=c.h["officer"])
    assert r.status_code == 201, r.text
    assert r.json()["channel"] == channel
    return r.json()["code"]


def status(c, code: str, to: int) -> None:
    r = c.client.post(f"/api/v1/dossiers/{code}/status", json={"status": to}, headers=c.h["officer"])
    assert r.status_code == 200, r.text


def history(c) -> None:
    c.at("2026-11-18T09:00:00+07:00")
    dossier(c, 6, "2026-11-15T08:00:00+07:00", due_date="2026-11-20", status=9)
    dossier(c, 5, "2026-11-10T08:00:00+07:00", due_date="2026-11-20", status=4)
    x1 = dossier(c, 1, "2026-11-20T08:00:00+07:00", due_at="2026-11-23T17:00:00+07:00")
    c.at("08:00")
    x2 = dossier(c, 2, "2026-11-23T08:00:00+07:00", due_date="2026-11-23", procedure="1.001193")
    x3 = dossier(c, 3, "2026-11-23T08:30:00+07:00", due_date="2026-11-30", channel=2)
    dossier(c, 7, "2026-11-23T08:40:00+07:00", due_date="2026-11-30", status=3)
    c.at("09:00"); status(c, x2, 5); status(c, x3, 5)
    c.at("09:10"); status(c, x3, 4)
    c.at("10:00"); status(c, x1, 9); status(c, x3, 5)
    c.at("10:30"); status(c, x3, 4)
    c.at("2026-11-24T08:00:00+07:00")
    dossier(c, 4, "2026-11-24T08:00:00+07:00", due_date="2026-11-24", channel=3)
    c.at("2026-11-24T09:00:00+07:00"); status(c, x2, 4)
    c.at("2026-11-24T20:00:00+07:00"); status(c, x2, 9)


def figures(c, **params) -> dict:
    r = c.client.get("/api/v1/stats/indicators", params={"from": "2026-11-23", "to": "2026-11-24", **params},
                     headers=c.h["supervisor"])
    assert r.status_code == 200, r.text
    out = r.json()
    return out, {i["code"]: i for i in out["indicators"]}


def test_on_time_rate_counts_supplement_waits_and_carried_over_dossiers(center):
    history(center)
    out, ind = figures(center)
    assert {k: ind[k]["value"] for k in ("received", "carried_over", "completed_on_time", "completed_late",
                                          "in_progress_late")} == {"received": 3, "carried_over": 2,
                                                                   "completed_on_time": 2, "completed_late": 0,
                                                                   "in_progress_late": 2}
    assert (ind["late_rate"]["value"], ind["late_rate"]["numerator"], ind["late_rate"]["denominator"]) == (40.0, 2, 5)
    assert ind["on_time_rate"]["value"] == 60.0
    assert "bổ sung" in ind["on_time_rate"]["formula"] and "supplement" in ind["on_time_rate"]["formula_en"]
    # processing time without the supplement wait: X1 3 d 2 h, X2 36 h − 24 h
    assert ind["avg_processing_days"]["value"] == round((74 / 24 + 0.5) / 2, 2)
    assert {p["procedure"]: p["avg_days"] for p in out["procedures"]} == {"1.004227": 3.08, "1.001193": 0.5}
    assert out["procedures"][0]["name"]  # procedure names from the site config
    assert ind["online_share"]["value"] == 33.33
    assert {ch["channel"]: ch["received"] for ch in out["channels"]} == {1: 1, 2: 1, 3: 1}
    # only 11-24: X2 completed (carried over from 11-23), X3 X5 late, X4 on its due day; X1 done before
    _, one_day = figures(center, **{"from": "2026-11-24"})
    assert (one_day["received"]["value"], one_day["carried_over"]["value"]) == (1, 3)
    assert one_day["on_time_rate"]["value"] == 50.0


def test_provincial_rules_come_from_the_site_config(center, tmp_path):
    history(center)
    site = load_site("config/site.toml")
    data = dict(site.sections)
    from datetime import date

    from queue_server.reports.stats.indicators import indicators
    from queue_server.reports.stats.queries import Sql
    store = center.client.app.state.store

    def late(rules: dict) -> dict:
        site2 = parse_site({**data, "stats": rules})
        out = indicators(Sql(store.db.conn), site2, date(2026, 11, 23), date(2026, 11, 24), 0, 0)
        return {i["code"]: i["value"] for i in out["indicators"]}

    # two supplement requests allowed: X3 is on time, X5 still late
    lenient = late({"max_supplements_on_time": 2})
    assert (lenient["in_progress_late"], lenient["on_time_rate"]) == (1, 80.0)
    # by the due hour instead of the due day: X2 (20:00 on its moved due day) and X4 (open past
    # its due midnight) are late too
    by_time = late({"on_time_by": "time"})
    assert (by_time["completed_late"], by_time["in_progress_late"], by_time["on_time_rate"]) == (1, 3, 20.0)
    for bad in ({"on_time_by": "week"}, {"max_supplements_on_time": -1}, {"online_channels": [4]}):
        with pytest.raises(ConfigError) as exc:
            rules_of(parse_site({**data, "stats": bad}))
        assert "stats." in str(exc.value)
