"""The supervisor's /stats page in Chromium, on a simulated month (docs/screenshots/web-stats.png)."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from bench.history import generate
from queue_server.app import MIGRATIONS
from queue_server.config import load_site
from queue_server.store import Store
from tests.web.conftest import WebServer

pytestmark = pytest.mark.browser


@pytest.fixture
def month_server(tmp_path):
    """A real server whose database holds the month before its clock (Monday 2026-11-23)."""
    live = WebServer(tmp_path / "server")
    store = Store(live.db_path, MIGRATIONS)
    generate(store, load_site(live.config_path), date(2026, 10, 23), 31, 420, weekdays_only=True, seed=13)
    store.close()
    live.start()
    try:
        yield live
    finally:
        live.stop()


def test_stats_page_shows_a_month_with_charts_tables_and_exports(month_server, new_page, login, shot):
    server = month_server
    api = server.get("/api/v1/stats?from=2026-10-23&to=2026-11-22&by=service", "supervisor").json()
    assert api["totals"]["issued"] > 8000

    page = new_page(1366, 768)
    login(page, server, "supervisor", "/stats?from=2026-10-23&to=2026-11-22&by=service")
    expect(page.locator("body[data-loaded='2026-10-23/2026-11-22/service']")).to_be_attached(timeout=20_000)
    # the figures on the page are the API's
    issued = page.locator("[data-kpi=issued] .v").inner_text()
    assert int(issued.replace(".", "").replace(",", "")) == api["totals"]["issued"]
    rows = page.locator("#breakdown tbody tr")
    expect(rows).to_have_count(len(api["rows"]) + 1)
    expect(rows.last).to_contain_text("Tổng cộng")
    expect(page.locator("#breakdown tbody")).to_contain_text("Đất đai")
    expect(page.locator("#officers tbody tr")).to_have_count(
        len(server.get("/api/v1/stats?from=2026-10-23&to=2026-11-22&by=officer", "supervisor").json()["rows"]) + 1)
    expect(page.locator("#indicators [data-code=on_time_rate] .formula")).to_contain_text("trễ hạn")
    # three charts drawn by the vendored Chart.js (nothing from a CDN)
    assert page.evaluate("() => typeof Chart") == "function"
    assert page.evaluate("() => Object.keys(Chart.instances).length") == 3
    assert page.evaluate("() => performance.getEntriesByType('resource').every(e => e.name.startsWith(location.origin))")
    # readable on a 1366×768 office screen: no sideways scrolling, charts above the fold
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366
    assert page.locator("#chart-hours").bounding_box()["y"] + 100 < 768
    shot(page, "stats")

    # an export button gives a workbook that opens and says the same
    with page.expect_download() as dl:
        page.click("[data-export=xlsx]")
    assert dl.value.suggested_filename == "thong-ke-service-2026-10-23-2026-11-22.xlsx"
    ws = load_workbook(io.BytesIO(dl.value.path().read_bytes())).active
    values = [r for r in ws.iter_rows(values_only=True)]
    total = next(r for r in values if r and r[0] == "Tổng cộng")
    assert total[2] == api["totals"]["issued"]
    with page.expect_download() as dl:
        page.click("[data-export=report]")
    assert dl.value.suggested_filename == "bao-cao-thang-2026-11.xlsx"
    book = load_workbook(io.BytesIO(dl.value.path().read_bytes()))
    assert len(book.sheetnames) == 6 and book.sheetnames[0] == "Tiến độ giải quyết"
    assert "Lâm Đồng" in book.worksheets[0]["A1"].value and "Kỳ báo cáo" in book.worksheets[0]["A2"].value

    # another breakdown and English
    page.select_option("select[name=by]", "hour")
    page.click("#range button[type=submit]")
    expect(page.locator("body[data-loaded='2026-10-23/2026-11-22/hour']")).to_be_attached(timeout=20_000)
    expect(page.locator("#breakdown tbody tr").first).to_contain_text(":00")
    page.select_option("select[name=by]", "counter")
    page.click("#range button[type=submit]")
    expect(page.locator("body[data-loaded='2026-10-23/2026-11-22/counter']")).to_be_attached(timeout=20_000)
    expect(page.locator("#breakdown thead")).to_contain_text("Quầy rảnh")
    en = new_page(1366, 768)
    login(en, server, "supervisor", "/stats?from=2026-10-23&to=2026-11-22&lang=en")
    expect(en.locator("body[data-loaded]")).to_be_attached(timeout=20_000)
    expect(en.locator("h2").first).to_contain_text("Arrivals and served per hour")
    expect(en.locator("#indicators [data-code=on_time_rate] .formula")).to_contain_text("late rate")


def test_stats_page_needs_a_supervisor(month_server, new_page, login):
    page = new_page()
    login(page, month_server, "officer", "/stats")
    expect(page.locator("body")).to_contain_text("không có quyền")
