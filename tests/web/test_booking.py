"""The booking page in a real Chromium at 390×844: choose service, day and time, get the code and
its QR, download the calendar file, switch to English, cancel; screenshots docs/screenshots/book-*.png."""
from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, expect

from tests.web.conftest import SCREENSHOTS
from tests.web.test_phone import no_horizontal_scroll, phone


def snap(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"book-{name}.png"), full_page=True)


def test_book_on_the_phone_then_check_in_at_the_kiosk(server, browser: Browser, tmp_path):
    import zxingcpp
    from PIL import Image
    ctx, page = phone(browser)
    try:
        page.goto(server.base_url + "/book")
        expect(page.locator("h1")).to_have_text("Đặt lịch hẹn")
        page.get_by_role("link", name="Đất đai").click()
        page.get_by_role("link", name="T3 24/11").click()
        nine = page.locator(".slot[data-time='09:00']")
        expect(nine).to_contain_text("còn 2")
        nine.click()
        expect(page.locator("#go")).to_have_text("Đặt lịch lúc 09:00")
        page.fill("#phone", "0912 345 678")
        no_horizontal_scroll(page)
        snap(page, "choose")
        page.locator("#go").click()
        page.wait_for_url(re.compile(r"/book/\d{8}$"))
        code = page.url.rsplit("/", 1)[1]
        expect(page.locator("#code")).to_have_text(f"{code[:4]} {code[4:]}")
        expect(page.locator("#when")).to_have_text("09:00–09:15 T3 24/11/2026")
        no_horizontal_scroll(page)
        snap(page, "confirmed")
        # the QR on the screen carries the booking's own link (the kiosk reads the code from it)
        qr_png = tmp_path / "qr.png"
        page.locator("svg.qr").screenshot(path=str(qr_png))
        found = [r.text for r in zxingcpp.read_barcodes(Image.open(qr_png))]
        assert found == [f"{server.base_url}/book/{code}"]
        # add to calendar: an .ics with the slot in UTC (09:00 +07 = 02:00Z)
        with page.expect_download() as dl:
            page.get_by_role("link", name="Thêm vào lịch (.ics)").click()
        ics = open(dl.value.path(), encoding="utf-8").read()
        assert "DTSTART:20261124T020000Z" in ics and "DTEND:20261124T021500Z" in ics and code in ics
        # one tap to English
        page.get_by_role("link", name="English").click()
        expect(page.locator("#when")).to_have_text("09:00–09:15 Tue 24/11/2026")
        expect(page.locator(".how")).to_contain_text("I have an appointment")
        snap(page, "confirmed-en")
        page.on("dialog", lambda d: d.accept())
        page.get_by_role("button", name="Cancel the appointment").click()
        expect(page.locator(".headline")).to_have_text("This appointment was cancelled.")
        snap(page, "cancelled-en")
        slots = httpx.get(server.base_url + "/api/v1/appointments/slots",
                          params={"service": "land", "day": "2026-11-24"}).json()
        assert [s["available"] for s in slots if s["start"].endswith("09:00+07:00")] == [2]
    finally:
        ctx.close()


def test_a_full_slot_cannot_be_chosen_and_a_race_says_so(server, browser: Browser):
    ctx, page = phone(browser)
    try:
        page.goto(server.base_url + "/book?service=land&day=2026-11-24&lang=vi")
        page.locator(".slot[data-time='10:00']").click()
        for _ in range(2):  # meanwhile two others take the slot
            assert httpx.post(server.base_url + "/api/v1/appointments",
                              json={"service": "land", "start": "2026-11-24T10:00+07:00"}).status_code == 201
        page.locator("#go").click()
        expect(page.locator("#error")).to_have_text("Khung giờ này đã hết chỗ, mời chọn giờ khác")
        page.reload()
        expect(page.locator(".slot[data-time='10:00']")).to_be_disabled()
        expect(page.locator(".slot[data-time='10:00']")).to_contain_text("hết chỗ")
    finally:
        ctx.close()


def test_booking_script_stays_es5():
    from pathlib import Path
    src = (Path(__file__).resolve().parents[2] / "queue_server/web/static/book.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*|\"(?:[^\"\\\\]|\\\\.)*\"", "", src, flags=re.S)
    for es6 in (r"=>", r"\blet\s", r"\bconst\s", r"`", r"\bclass\s", r"\bfetch\(", r"\.\.\.[A-Za-z]"):
        assert not re.search(es6, code), es6


def test_console_marks_a_checked_in_booking_and_the_dashboard_counts_the_day(server, new_page, login, shot):
    now = httpx.get(server.base_url + "/api/v1/site").json()["now"]
    slots = httpx.get(server.base_url + "/api/v1/appointments/slots",
                      params={"service": "land", "day": now[:10]}).json()
    soon = [s["start"] for s in slots if s["available"]][:2]     # both within the check-in window
    codes = [httpx.post(server.base_url + "/api/v1/appointments",
                        json={"service": "land", "start": start}).json()["code"] for start in soon]
    r = server.post(f"/api/v1/appointments/{codes[0]}/check-in", "kiosk")
    assert r.status_code == 201 and r.json()["channel"] == "appointment"
    console = new_page()
    login(console, server, "officer", "/console?counter=2")
    console.locator("#act-presence").click()
    console.locator("#act-call").click()
    expect(console.locator("#cur-number")).to_have_text(r.json()["number"])
    expect(console.locator("#cur-appointment")).to_be_visible()
    expect(console.locator("#cur-appointment")).to_have_text("Khách đặt lịch hẹn")
    shot(console, "console-appointment")
    dash = new_page()
    login(dash, server, "supervisor", "/dashboard")
    land = dash.locator("#appointments tbody tr", has_text="Đất đai")
    expect(land).to_have_text(re.compile(r"Đất đai\s*2\s*1\s*0\s*1\s*0"))   # booked, checked in, no-show, expected, cancelled
