"""'Receive your result by post' on the citizen's phone pages, in a real Chromium at 390×844 under the
real CSP: the ticket page and the booking page ask through their own link, the code goes to the
contact on file (the server's file outbox here), the page shows masked values only; axe-core passes."""
from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.axe import axe_findings
from tests.web.test_phone import no_horizontal_scroll, phone, snap

pytestmark = pytest.mark.browser
ADDRESS = "12 Hoàng Văn Thụ, Phường 4, Đà Lạt, Lâm Đồng"


def dossier(server, **kw) -> str:
    r = server.post("/api/v1/dossiers", json={"procedure": "Cấp đổi Giấy chứng nhận", "applicant_name": "Lê Thị Hồng",
                                              "phone": "0987654321", "status": 4, **kw})
    assert r.status_code == 201, r.text
    return r.json()["code"]


def sent_code(server, code: str, timeout: float = 20.0) -> str:
    """The confirmation code the applicant received (the file outbox is the default channel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outbox = server.workdir / "outbox"
        for f in sorted(outbox.glob("*.json")) if outbox.exists() else []:
            text = json.loads(f.read_text(encoding="utf-8"))["text"]
            m = re.search(r"qua bưu điện \(gửi tới [^)]*\): (\d{6})", text)
            if code in text and m:
                return m.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no confirmation code for {code}")


def fill_form(page, code: str, *, open_it: bool = True) -> None:
    if open_it:
        page.locator("#postal-title").tap()                 # the section opens (a <details>)
    page.locator("#postal-dossier").fill(code.lower())
    page.locator("#postal-recipient").fill("Lê Thị Hồng")
    page.locator("#postal-address").fill(ADDRESS)
    page.locator("#postal-phone").fill("0912345678")


def test_the_ticket_page_sends_a_result_by_post_after_the_code(server, browser):
    code = dossier(server)
    mine = server.issue("civil")
    ctx, page = phone(browser)
    try:
        page.goto(mine["status_url"])
        expect(page.locator("#postal-title")).to_have_text("Nhận kết quả qua bưu điện")
        expect(page.locator("#postal-form")).to_be_hidden()          # closed until the citizen opens it
        page.locator("#postal-title").tap()
        page.locator("#postal-send").tap()                          # nothing typed: said at once
        expect(page.locator("#postal-error")).to_have_text("Xin nhập mã hồ sơ, họ tên người nhận và địa chỉ đầy đủ.")
        page.locator("#postal-title").tap()                          # closed again, then the real form
        fill_form(page, code)
        expect(page.locator("#postal-error")).to_be_hidden()           # typing clears the stale message
        no_horizontal_scroll(page)
        snap(page, "postal-form-vi")
        page.locator("#postal-send").tap()
        expect(page.locator("#postal-sent")).to_contain_text("*******321")
        expect(page.locator("#postal-sent")).to_contain_text("…, Đà Lạt, Lâm Đồng")
        assert "Hoàng Văn Thụ" not in page.content() and "0912345678" not in page.content()
        otp = sent_code(server, code)
        page.locator("#postal-code").fill("000000" if otp != "000000" else "111111")
        page.locator("#postal-ok").tap()
        expect(page.locator("#postal-error")).to_have_text("Mã xác nhận không đúng, còn 4 lần thử")
        page.locator("#lang").tap()                                   # English in place, the section too
        expect(page.locator("#postal-title")).to_have_text("Receive your result by post")
        expect(page.locator("#postal-error")).to_have_text("Wrong confirmation code, 4 tries left")
        page.locator("#postal-ok").scroll_into_view_if_needed()
        snap(page, "postal-code-en")
        page.locator("#lang").tap()
        page.locator("#postal-code").fill(otp)
        page.locator("#postal-ok").tap()
        expect(page.locator("#postal-done")).to_contain_text("bưu điện sẽ chuyển đến …, Đà Lạt, Lâm Đồng")
        expect(page.locator("#postal-error")).to_be_hidden()
        snap(page, "postal-done-vi")
        seen = server.get(f"/api/v1/dossiers/{code}").json()
        assert "bưu điện" in seen["next_step"]
    finally:
        ctx.close()


def test_the_booking_page_asks_through_its_code_and_refuses_without_a_contact(server, browser):
    slots = httpx.get(server.base_url + "/api/v1/appointments/slots", params={"service": "land", "day": "2026-11-24"}).json()
    booked = httpx.post(server.base_url + "/api/v1/appointments",
                        json={"service": "land", "start": next(s for s in slots if s["available"])["start"]}).json()
    lonely = dossier(server, phone=None)
    code = dossier(server)
    ctx, page = phone(browser)
    try:
        page.goto(f"{server.base_url}/book/{booked['code']}")
        fill_form(page, lonely)
        page.locator("#postal-send").tap()
        expect(page.locator("#postal-error")).to_contain_text("Mời ông/bà đến quầy trả kết quả")
        page.locator("#postal-dossier").fill(code)
        page.locator("#postal-address").fill(ADDRESS)
        page.locator("#postal-send").tap()
        expect(page.locator("#postal-sent")).to_contain_text("*******321")
        page.locator("#postal-code").fill(sent_code(server, code))
        page.locator("#postal-ok").tap()
        expect(page.locator("#postal-done")).to_be_visible()
    finally:
        ctx.close()
    listing = server.get(f"/api/v1/dossiers/{code}").json()
    assert "bưu điện" in listing["next_step"]


def test_the_postal_section_has_no_serious_axe_finding(server, browser):
    code = dossier(server)
    mine = server.issue("civil")
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                              locale="vi-VN", bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(mine["status_url"])
        findings = {"closed": axe_findings(page)}
        page.locator("#postal-title").tap()
        page.locator("#postal-send").tap()
        expect(page.locator("#postal-error")).not_to_be_empty()
        findings["form-error"] = axe_findings(page)
        fill_form(page, code, open_it=False)
        page.locator("#postal-send").tap()
        expect(page.locator("#postal-confirm")).to_be_visible()
        findings["code"] = axe_findings(page)
        assert not any(findings.values()), findings
    finally:
        ctx.close()
