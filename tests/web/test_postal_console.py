"""The officer console's results-by-post card in a real Chromium: how many wait, the printable
handover list (styled under the real CSP) and its XLSX, and "handed to the post" → status 10
(the report to the province is in tests/integrations/test_postal_e2e.py)."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.web.axe import axe_findings

pytestmark = pytest.mark.browser
ADDRESS = "12 Hoàng Văn Thụ, Phường 4, Đà Lạt, Lâm Đồng"


def by_post(server, status: int) -> str:
    r = server.post("/api/v1/dossiers", json={"procedure": "Cấp đổi Giấy chứng nhận", "applicant_name": "Lê Thị Hồng",
                                              "phone": "0987654321", "status": status})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    r = server.post(f"/api/v1/dossiers/{code}/postal", json={"recipient": "Lê Thị Hồng", "address": ADDRESS})
    assert r.status_code == 201, r.text      # an officer at the counter: recorded at once
    return code


def test_the_console_links_the_handover_list_and_records_the_handover(server, new_page, login, shot):
    ready, waiting = by_post(server, 9), by_post(server, 4)
    page = new_page(1440, 1100)
    login(page, server, "officer", "/console?counter=5")
    expect(page.locator("#handover-ready")).to_have_text("1")
    expect(page.locator("#handover-processing")).to_have_text("1")
    expect(page.locator("#handover-print")).to_have_text("In biên bản giao nhận")
    page.locator("#handover").scroll_into_view_if_needed()
    shot(page, "console-postal")
    assert axe_findings(page) == []

    with page.expect_popup() as popup:
        page.locator("#handover-print").click()
    printed = popup.value
    expect(printed.locator("h1")).to_contain_text("BIÊN BẢN GIAO NHẬN")
    expect(printed.locator("tbody tr")).to_have_count(1)
    expect(printed.locator("tbody")).to_contain_text(ready)
    expect(printed.locator("tbody")).to_contain_text(ADDRESS)      # the postman needs the full address
    border = printed.evaluate("getComputedStyle(document.querySelector('td')).borderTopStyle")
    assert border == "solid", "the list's style loads under the CSP (no inline style)"
    printed.close()

    with page.expect_download() as download:
        page.locator("#handover-xlsx").click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert [row[1] for row in sheet.iter_rows(min_row=4, max_row=4, values_only=True)] == [ready]

    # a result ready after the sheet was printed is not on it: "handed" must not mark it
    late = by_post(server, 9)
    page.evaluate("loadHandover()")
    expect(page.locator("#handover-ready")).to_have_text("2")
    page.on("dialog", lambda d: d.accept())
    page.locator("#handover-done").click()
    expect(page.locator("#handover-message")).to_have_text(
        "Đã ghi nhận giao 1 hồ sơ cho bưu điện; trạng thái đã báo về hệ thống một cửa.")
    expect(page.locator("#handover-ready")).to_have_text("1")
    expect(page.locator("#handover-done")).to_be_disabled()      # the next sheet must be printed first
    assert server.get(f"/api/v1/dossiers/{ready}").json()["status"] == 10
    assert server.get(f"/api/v1/dossiers/{late}").json()["status"] == 9
    assert server.get(f"/api/v1/dossiers/{waiting}").json()["status"] == 4


def test_the_dashboard_counts_the_results_waiting_for_the_post(server, new_page, login):
    by_post(server, 9), by_post(server, 9), by_post(server, 2)
    dash = new_page()
    login(dash, server, "supervisor", "/dashboard")
    expect(dash.locator("#postal-ready")).to_have_text("2")
    expect(dash.locator("#postal-processing")).to_have_text("1")
    assert axe_findings(dash) == []


def test_the_handover_list_is_the_officers_only(server, new_page):
    page = new_page()
    r = page.goto(server.base_url + "/api/v1/postal/handover?format=html")
    assert r.status == 401 and "Lê" not in page.content()
