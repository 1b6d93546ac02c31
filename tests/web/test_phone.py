"""The citizen's phone page in a real Chromium at 390×844: issue → call → done, live, both languages."""
from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.web.conftest import SCREENSHOTS


def phone(browser: Browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                              has_touch=True, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    return ctx, page


def snap(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"))


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_phone_follows_a_ticket_from_issue_to_call_to_done(server, browser):
    server.post("/api/v1/counters/5/sign-in")             # an officer at Quầy 5 (civil status)
    server.issue("civil")                                 # one person ahead
    mine = server.issue("civil")
    ctx, page = phone(browser)
    try:
        page.goto(mine["status_url"])
        expect(page.locator("#number")).to_have_text(mine["number"])
        expect(page.locator("#service")).to_have_text("Hộ tịch – Tư pháp")
        expect(page.locator("#headline")).to_have_text("Đang chờ đến lượt")
        expect(page.locator("#ahead")).to_have_text("1")
        expect(page.locator("#wait")).to_have_text(
            f"khoảng {mine['wait_low_min']}–{mine['wait_high_min']} phút")   # what the kiosk showed
        assert mine["wait_low_min"] <= mine["estimated_wait_min"] <= mine["wait_high_min"]
        expect(page.locator("#conn")).to_have_text("Tự động cập nhật")
        no_horizontal_scroll(page)
        snap(page, "waiting-vi")

        server.call_next("5")                             # the one ahead is called: I am next
        expect(page.locator("#ahead")).to_have_text("0")
        page.locator("#lang").tap()                       # one tap to English, no reload
        expect(page.locator("#headline")).to_have_text("Waiting for your turn")
        expect(page.locator("#ahead-label")).to_have_text("People ahead of you")
        snap(page, "waiting-en")
        page.locator("#lang").tap()
        expect(page.locator("#headline")).to_have_text("Đang chờ đến lượt")

        called = server.call_next("5")                    # finishes the first, calls mine
        assert called["number"] == mine["number"]
        expect(page.locator("#headline")).to_have_text("Mời ông/bà đến quầy 5", timeout=3000)
        expect(page.locator("#status")).to_have_class("status st-called")
        assert page.evaluate("window.__phoneCalls") == 1  # vibration + chime fired once
        no_horizontal_scroll(page)
        snap(page, "called-vi")
        page.locator("#lang").tap()
        expect(page.locator("#headline")).to_have_text("Please go to counter 5")
        snap(page, "called-en")

        server.post(f"/api/v1/tickets/{called['id']}/start")
        expect(page.locator("#headline")).to_have_text("You are being served at counter 5")
        server.post(f"/api/v1/tickets/{called['id']}/finish")
        expect(page.locator("#headline")).to_have_text("Done. Thank you!")
        expect(page.locator("#conn")).to_have_text("")   # final: the stream is closed
        snap(page, "done-en")
        page.locator("#lang").tap()
        expect(page.locator("#headline")).to_have_text("Đã hoàn thành. Cảm ơn ông/bà!")
        snap(page, "done-vi")
    finally:
        ctx.close()


def test_phone_reconnects_after_a_server_restart(server, browser):
    mine = server.issue("transport")
    ctx, page = phone(browser)
    try:
        page.goto(mine["status_url"])
        expect(page.locator("#conn")).to_have_text("Tự động cập nhật")
        server.stop()
        expect(page.locator("#conn")).to_have_text("Mất kết nối — đang thử lại…", timeout=10_000)
        server.start()                                    # same port, same database
        expect(page.locator("#conn")).to_have_text("Tự động cập nhật", timeout=15_000)
        server.call_next("11")
        expect(page.locator("#headline")).to_have_text("Mời ông/bà đến quầy 11", timeout=5000)
    finally:
        ctx.close()


def test_a_wrong_link_says_so_in_both_languages(server, browser):
    ctx, page = phone(browser)
    try:
        r = page.goto(server.base_url + "/t/not-a-real-ticket")
        assert r.status == 404
        expect(page.locator(".headline")).to_contain_text("Không tìm thấy số thứ tự này")
        page.locator("#lang").tap()
        expect(page.locator(".headline")).to_contain_text("No such ticket")
    finally:
        ctx.close()


def test_phone_script_stays_es5_for_old_android_browsers():
    """No arrow functions, let/const, template strings, classes or fetch: Android 4.4's browser
    would stop at the first one (checked with acorn's ES5 parser when the page was written)."""
    import re
    from pathlib import Path
    src = (Path(__file__).resolve().parents[2] / "queue_server/web/static/phone.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*|\"(?:[^\"\\\\]|\\\\.)*\"", "", src, flags=re.S)  # comments, strings
    for es6 in (r"=>", r"\blet\s", r"\bconst\s", r"`", r"\bclass\s", r"\bfetch\(", r"\.\.\.[A-Za-z]"):
        assert not re.search(es6, code), es6


def test_a_transfer_keeps_the_number_on_the_phone_and_on_the_hall_display(server, browser, new_page):
    mine = server.issue("land")
    display = new_page(1920, 1080)
    display.goto(f"{server.base_url}/display?token={server.display_key}&speed=8")
    ctx, page = phone(browser)
    try:
        page.goto(mine["status_url"])
        first = server.call_next("2")
        expect(page.locator("#headline")).to_have_text("Mời ông/bà đến quầy 2")
        server.post(f"/api/v1/tickets/{first['id']}/transfer", json={"service": "civil"})
        expect(page.locator("#transferred")).to_have_text(
            "Hồ sơ đã được chuyển từ lĩnh vực Đất đai. Số của ông/bà giữ nguyên.")
        expect(page.locator("#service")).to_have_text("Hộ tịch – Tư pháp")
        expect(page.locator("#number")).to_have_text(mine["number"])
        server.call_next("5")
        expect(page.locator("#headline")).to_have_text("Mời ông/bà đến quầy 5")
        expect(page.locator("#number")).to_have_text(mine["number"])
        expect(display.locator("#now-number")).to_have_text(mine["number"])   # the same number, called again
        expect(display.locator("#now-counter")).to_have_text("5")
        assert page.evaluate("window.__phoneCalls") == 2
    finally:
        ctx.close()


def outbox_messages(server) -> list[dict]:
    import json
    return [json.loads(f.read_text(encoding="utf-8")) for f in sorted((server.db_path.parent / "outbox").glob("*.json"))]


def wait_for_messages(server, count: int, timeout: float = 15.0) -> list[dict]:
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = outbox_messages(server)
        if len(messages) >= count:
            return messages
        time.sleep(0.3)
    raise AssertionError(f"{count} message(s) expected in the outbox, got {outbox_messages(server)}")


def test_tell_me_when_i_am_close_texts_once_at_three_ahead_and_once_at_the_call(server, browser):
    server.post("/api/v1/counters/5/sign-in")
    for _ in range(4):
        server.issue("civil")
    mine = server.issue("civil")                          # 4 people ahead; the notice comes at 3
    ctx, page = phone(browser)
    try:
        page.goto(mine["status_url"])
        expect(page.locator("#alert-title")).to_have_text("Nhắn tin cho tôi khi sắp đến lượt")
        page.locator("#alert-phone").fill("0912 345 678")
        page.locator("#alert-send").tap()                 # no consent ticked: nothing is sent
        expect(page.locator("#alert-error")).to_have_text("Xin đánh dấu đồng ý để nhận tin nhắn.")
        page.locator("#alert-consent").check()
        page.locator("#alert-phone").fill("12345")
        page.locator("#alert-send").tap()
        expect(page.locator("#alert-error")).to_have_text("Số điện thoại di động không hợp lệ (ví dụ 0901234567).")
        no_horizontal_scroll(page)
        page.locator("#alert-phone").scroll_into_view_if_needed()
        snap(page, "alert-form-vi")
        page.locator("#alert-phone").fill("0912 345 678")
        page.locator("#alert-send").tap()
        expect(page.locator("#alert-on-text")).to_have_text(
            "Sẽ nhắn tin đến *******678 khi còn 3 người phía trước và khi được gọi.")
        no_horizontal_scroll(page)
        snap(page, "alert-vi")
        page.locator("#lang").tap()
        expect(page.locator("#alert-on-text")).to_have_text(
            "We will text *******678 when 3 people are ahead and when you are called.")
        snap(page, "alert-en")
        page.locator("#lang").tap()
        page.reload()                                     # the page remembers, showing the masked number only
        expect(page.locator("#alert-on-text")).to_contain_text("*******678")
        assert "0912345678" not in page.content()

        server.call_next("5")                             # 3 ahead: one text
        messages = wait_for_messages(server, 1)
        assert messages[0]["to"] == "0912345678" and "còn 3 người phía trước" in messages[0]["text"]
        assert mine["status_url"] in messages[0]["text"]
        for _ in range(4):                                # 2, 1, 0 ahead, then mine is called
            server.call_next("5")
        expect(page.locator("#headline")).to_have_text("Mời ông/bà đến quầy 5")
        messages = wait_for_messages(server, 2)
        assert messages[1]["text"].endswith(f"mời ông/bà số {mine['number']} đến quầy 5.")
        import time
        time.sleep(4.5)                                   # two more rounds of the watcher: nothing new
        assert len(outbox_messages(server)) == 2
        assert "0912345678" not in server.log_path.read_text(encoding="utf-8", errors="replace")
    finally:
        ctx.close()
