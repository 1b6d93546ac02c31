"""Statistics are one code path: a site's figures read on its own box (SQLite) and at the
province (PostgreSQL) are the same; the province ranks sites by them; keys stay in their lane."""
from __future__ import annotations

import io
import time

import httpx
import pytest
from openpyxl import load_workbook

from queue_server.config import DEFAULT_CONFIG, load_site

from .conftest import wait_until
from .test_shipping import issue, serve_some, shipped_all

pytestmark = pytest.mark.xdist_group("postgres")

PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}
DOSSIER = "000.00.00.H56-261101-{:04d}"


def dossier(site, n: int, received: str, due: str, channel: int = 1, status: int = 2) -> str:
    r = httpx.post(site.base_url + "/api/v1/dossiers", headers=site.headers("officer"), timeout=30,
                   json={"received_at": received, "procedure": "1.004227", "channel": channel, "status": status,
                         "code": DOSSIER.format(n), "due_date": due})
    assert r.status_code == 201, r.text
    return r.json()["code"]


def set_status(site, code: str, to: int) -> None:
    r = httpx.post(f"{site.base_url}/api/v1/dossiers/{code}/status", json={"status": to},
                   headers=site.headers("officer"), timeout=30)
    assert r.status_code == 200, r.text


def rate(site, ticket_id: int, level: str, reason: str | None = None) -> None:
    r = httpx.post(site.base_url + "/api/v1/ratings", json={"ticket_id": ticket_id, "level": level, "reason": reason},
                   headers=site.headers("rating"), timeout=30)
    assert r.status_code == 201, r.text


def history(site, tickets: int, served: int, late_dossiers: int, ratings: list[str]) -> None:
    """A day at one site: tickets issued, some served and rated, dossiers on time and late."""
    issue(site, tickets)
    serve_some(site, served)
    for ticket_id, level in zip(range(1, served + 1), ratings):  # called in issue order: 1…served are done
        rate(site, ticket_id, level, "chờ lâu" if level == "dissatisfied" else None)
    on_time = dossier(site, 1, "2026-11-20T08:00:00+07:00", "2026-11-30")
    set_status(site, on_time, 9)
    dossier(site, 2, "2026-11-21T08:00:00+07:00", "2026-11-30", channel=2)
    for n in range(late_dossiers):  # due before today and still in progress: late
        dossier(site, 10 + n, "2026-11-10T08:00:00+07:00", "2026-11-17", status=4)


def site_get(site, path: str, **params) -> dict:
    r = httpx.get(site.base_url + path, params={**PERIOD, **params}, headers=site.headers("supervisor"), timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def province_get(province, key: str, path: str, **params) -> httpx.Response:
    return httpx.get(province.base_url + path, params={**PERIOD, **params},
                     headers={"Authorization": f"Bearer {key}"}, timeout=60)


def without_labels(answer: dict) -> dict:
    return {k: ([{f: v for f, v in r.items() if f != "label"} for r in answer[k]] if k == "rows" else answer[k])
            for k in ("rows", "totals", "ratings", "results")}


def test_a_site_reads_the_same_figures_on_its_box_and_at_the_province(province, province_dsn, site_server):
    key = province.add_site("xa-a")
    viewer = province.add_viewer()
    province.start()
    site = site_server("xa-a", province.base_url, key)
    history(site, tickets=8, served=5, late_dossiers=1, ratings=["very_satisfied", "satisfied", "dissatisfied"])
    wait_until(lambda: shipped_all(site, province_dsn, "xa-a"), what="shipped")
    time.sleep(1.5)  # ratings and dossiers ride the next batches
    wait_until(lambda: province_get(province, viewer, "/api/v1/stats", by="site", site="xa-a").json()
               ["totals"]["rated_dissatisfied"] == 1, what="ratings shipped")
    for by in ("service", "counter", "officer", "hour", "day", "channel", "priority"):
        here = site_get(site, "/api/v1/stats", by=by)
        r = province_get(province, viewer, "/api/v1/stats", by=by, site="xa-a")
        assert r.status_code == 200, r.text
        assert without_labels(r.json()) == without_labels(here), by
    assert here["totals"]["served"] == 5 and here["totals"]["issued"] == 8
    def derived():  # the dossiers shipped and the province's fact worker through with them
        got = province_get(province, viewer, "/api/v1/stats/indicators", site="xa-a").json()
        return got["indicators"][2]["value"] == 3 and got["freshness"]["up_to_date"] and got
    there = wait_until(derived, what="dossiers shipped and derived")
    here = site_get(site, "/api/v1/stats/indicators")
    values = lambda ans: {i["code"]: (i["value"], i.get("numerator"), i.get("denominator"))  # noqa: E731
                          for i in ans["indicators"]}
    assert values(there) == values(here)
    assert values(here)["satisfaction"] == (80.0, 4, 5) and values(here)["on_time_rate"][0] == pytest.approx(66.67)
    assert there["channels"] == here["channels"]


def test_sites_are_ranked_by_on_time_rate_then_satisfaction_and_keys_stay_in_their_lane(
        province, province_dsn, site_server):
    keys = {name: province.add_site(name) for name in ("xa-a", "xa-b")}
    viewer = province.add_viewer()
    province.start()
    a = site_server("xa-a", province.base_url, keys["xa-a"])
    b = site_server("xa-b", province.base_url, keys["xa-b"])
    history(a, tickets=4, served=2, late_dossiers=2, ratings=["satisfied"])   # on time 2/4
    history(b, tickets=6, served=3, late_dossiers=0, ratings=["dissatisfied"])  # on time 2/2
    for site, name in ((a, "xa-a"), (b, "xa-b")):
        wait_until(lambda: shipped_all(site, province_dsn, name), what=f"{name} shipped")

    def ranking():
        r = httpx.get(province.base_url + "/api/v1/province/sites", headers={"Authorization": f"Bearer {viewer}"},
                      timeout=60)
        return [(s["site"], s["on_time_rate"], s["satisfaction"]) for s in r.json()["sites"]]
    wait_until(lambda: ranking() == [("xa-b", 100.0, pytest.approx(66.67)), ("xa-a", 50.0, 100.0)],
               what="ranking")

    by_site = province_get(province, viewer, "/api/v1/stats", by="site").json()
    assert [(r["key"], r["issued"], r["served"]) for r in by_site["rows"]] == [("xa-a", 4, 2), ("xa-b", 6, 3)]
    assert by_site["totals"]["issued"] == 10
    def received():   # dossier logs ship beside the ticket logs: wait until both sites' have arrived
        got = province_get(province, viewer, "/api/v1/stats/indicators").json()
        return {i["code"]: i["value"] for i in got["indicators"]}["received"] == 4 + 2 and got
    indicators = wait_until(received, what="every dossier shipped")

    # the page: ranked rows, each a link to the site's own figures
    page = httpx.get(province.base_url + "/province", params={"token": viewer}, timeout=60).text
    assert page.index('data-site="xa-b"') < page.index('data-site="xa-a"')
    assert ">Điểm một cửa xa-b</a>" in page            # each site by its own name, as its site.toml says
    drill = httpx.get(province.base_url + "/province/sites/xa-a", params={"token": viewer, **PERIOD}, timeout=60)
    assert drill.status_code == 200 and "<h1>Điểm một cửa xa-a" in drill.text and "50.0" in drill.text
    by_service = province_get(province, viewer, "/api/v1/stats", by="service", site="xa-a").json()
    names = {s.code: s.name for s in load_site(DEFAULT_CONFIG).services.values()}
    assert by_service["rows"] and all(r["label"] == names[r["key"]] for r in by_service["rows"])   # names, not codes

    # exports: the same rows as files
    csv = province_get(province, viewer, "/api/v1/stats", by="site", format="csv")
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").splitlines()[1].startswith("xa-a,Điểm một cửa xa-a,4,0,2,")
    xlsx = province_get(province, viewer, "/api/v1/stats/indicators", site="xa-b", format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "Điểm một cửa xa-b"

    # a site key reads its own figures only; a viewer key cannot write a batch
    own = province_get(province, keys["xa-a"], "/api/v1/stats", by="site")
    assert [r["key"] for r in own.json()["rows"]] == ["xa-a"]
    other = province_get(province, keys["xa-a"], "/api/v1/stats/indicators", site="xa-b")
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    assert province_get(province, keys["xa-a"], "/api/v1/province/sites").status_code == 403
    write = httpx.post(province.base_url + "/api/v1/province/batches", json={"site": "xa-a"},
                       headers={"Authorization": f"Bearer {viewer}"}, timeout=30)
    assert write.status_code == 403
    assert province_get(province, "nope", "/api/v1/stats").status_code == 401
    bad = province_get(province, viewer, "/api/v1/stats", by="weather")
    assert bad.status_code == 422 and "error" in bad.json()
    assert province_get(province, viewer, "/api/v1/stats", site="xa-z").status_code == 404
