"""Officer console drives the hall display, live, with voice — in real Chromium."""
from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def open_display(new_page, server, speed: float = 1):
    page = new_page(1920, 1080)
    page.goto(f"{server.base_url}/display?token={server.display_key}&speed={speed}")
    expect(page.locator("body")).to_have_attribute("data-live", "1")
    page.wait_for_function("document.body.dataset.synced")
    return page


def test_console_call_next_shows_on_display_within_1s_and_requests_audio(server, new_page, login):
    display = open_display(new_page, server)
    console = new_page()
    login(console, server, "officer", "/console")
    console.locator("#chooser [data-counter='5']").click()   # Quầy 5 serves civil status (B)
    ticket = server.issue("civil", priority="elderly")
    expect(console.locator("#waiting [data-service=civil] .count")).to_have_text("1")

    with display.expect_request(re.compile(r"/api/v1/voice/call\.wav\?ticket=B001&counter=5")) as audio:
        console.keyboard.press("n")                            # shortcut for "Gọi số tiếp"
        expect(console.locator("#cur-number")).to_have_text(ticket["number"])
        expect(display.locator("#now-number")).to_have_text("B001", timeout=1000)
    assert audio.value.headers.get("authorization", "").startswith("Bearer ")
    expect(display.locator("#now-counter")).to_have_text("5")
    expect(display.locator("#now-priority")).to_be_visible()          # priority visitor marked
    expect(display.locator("#recent tbody tr").first).to_have_attribute("data-number", "B001")
    expect(console.locator("#cur-priority")).to_contain_text("Ưu tiên")
    expect(console.locator("#waiting [data-service=civil] .count")).to_have_text("0")

    # the rest of the officer's day, by keyboard: start, finish, tally
    console.keyboard.press("b")
    expect(console.locator("#cur-state")).to_have_text("Đang phục vụ")
    console.keyboard.press("h")
    expect(console.locator("#tally-done")).to_have_text("1")


def test_console_no_show_transfer_pause_resume(server, new_page, login):
    console = new_page()
    login(console, server, "officer", "/console?counter=5")
    expect(console.locator("#workspace")).to_be_visible()
    console.keyboard.press("n")
    expect(console.locator("#message")).to_have_text("Không còn ai đang chờ.")
    server.issue("civil")
    server.issue("civil")
    console.keyboard.press("n")
    expect(console.locator("#cur-number")).to_have_text("B001")
    console.keyboard.press("v")                                   # vắng mặt
    expect(console.locator("#tally-noshow")).to_have_text("1")
    console.keyboard.press("n")
    expect(console.locator("#cur-number")).to_have_text("B002")
    console.keyboard.press("c")                                   # chuyển
    console.select_option("#transfer-service", "business")
    console.click("#transfer-ok")
    expect(console.locator("#message")).to_contain_text("B002 → Đăng ký kinh doanh")   # same number
    expect(console.locator("#tally-transferred")).to_have_text("1")
    assert server.get("/api/v1/tickets?state=waiting&service=business").json()[0]["number"] == "B002"
    console.keyboard.press("t")                                   # tạm dừng
    expect(console.locator("#paused-banner")).to_be_visible()
    expect(console.locator("#act-call")).to_be_disabled()
    assert next(c for c in server.get("/api/v1/counters").json() if c["code"] == "5")["state"] == "paused"
    console.keyboard.press("t")                                   # tiếp tục
    expect(console.locator("#paused-banner")).to_be_hidden()
    expect(console.locator("#act-call")).to_be_enabled()


def test_two_quick_calls_and_a_recall_are_announced_in_order_without_overlap(server, new_page):
    display = open_display(new_page, server, speed=8)
    a = server.issue("civil")
    b = server.issue("business")
    first = server.call_next("5")
    second = server.call_next("7")                      # right after: no waiting in between
    assert (first["number"], second["number"]) == (a["number"], b["number"])
    server.post(f"/api/v1/tickets/{first['id']}/recall")   # a recall is announced again
    display.wait_for_function(
        "(window.__audioLog || []).filter(e => e.kind === 'end').length >= 3", timeout=30_000)
    log = display.evaluate("window.__audioLog")
    plays = [e for e in log if e["kind"] in ("start", "end")]
    keys = [e["key"] for e in plays if e["kind"] == "start"]
    assert [k.split(":")[0] for k in keys] == [str(first["id"]), str(second["id"]), str(first["id"])]
    assert len(set(keys)) == 3                           # the recall is its own announcement
    # strictly alternating start/end: one clip at a time
    assert [e["kind"] for e in plays] == ["start", "end"] * 3
    for prev_end, next_start in zip(plays[1::2], plays[2::2]):
        assert next_start["t"] >= prev_end["t"]
    assert not [e for e in log if e["kind"] == "failed"]
    expect(display.locator("#now-number")).to_have_text(first["number"])   # recall is on top again


def test_display_survives_server_restart_and_catches_up(server, new_page):
    display = open_display(new_page, server, speed=8)
    server.issue("civil")
    server.issue("land")
    server.call_next("5")
    expect(display.locator("#now-number")).to_have_text("B001")
    server.stop()
    expect(display.locator("body")).to_have_attribute("data-live", "0")
    expect(display.locator("#conn")).to_have_text("Mất kết nối — đang kết nối lại…")

    # While the TV is cut off, the center goes on (another process on the same DB).
    # (each test server starts its clock at a given instant: keep time moving forward)
    other = server.twin()
    other.clock_start = "2026-11-23T08:30:00+07:00"
    other.start()
    r = httpx.post(other.base_url + "/api/v1/counters/2/call-next", json={}, headers=other.headers("officer"))
    missed = r.json()                               # Quầy 2 serves land: A001
    r = httpx.post(other.base_url + "/api/v1/tickets", json={"service": "land"},
                   headers={**other.headers("kiosk"), "Idempotency-Key": "gap-1"})
    assert r.status_code == 201
    other.stop()

    server.clock_start = "2026-11-23T08:30:20+07:00"
    server.start()                                # same port, same DB
    expect(display.locator("body")).to_have_attribute("data-live", "1", timeout=2000)
    expect(display.locator("#now-number")).to_have_text(missed["number"], timeout=2000)
    expect(display.locator("#now-counter")).to_have_text("2")
    expect(display.locator("#services [data-service=land] .count")).to_have_text("1", timeout=2000)
    rows = display.locator("#recent tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_have_attribute("data-number", "B001")
    # the call made during the gap is still announced, and live updates work again
    display.wait_for_function(
        f"(window.__audioLog || []).some(e => e.kind === 'start' && e.key.startsWith('{missed['id']}:'))",
        timeout=15_000)
    server.call_next("2")
    expect(display.locator("#now-number")).to_have_text("A002")


def test_blocked_autoplay_shows_enable_sound_button_then_plays(server, launch_chromium):
    # Playwright's evaluate() counts as a user gesture, so until the block has
    # happened this test watches only network and console events.
    with launch_chromium(autoplay="user-gesture-required") as strict:
        page = strict.new_page(viewport={"width": 1920, "height": 1080}, bypass_csp=True)  # wait_for_function
        with page.expect_websocket() as ws_info:
            page.goto(f"{server.base_url}/display?token={server.display_key}&speed=8")
        ws_info.value.wait_for_event("framereceived")             # hello: the display is live
        server.issue("civil")
        with page.expect_console_message(lambda m: "autoplay blocked" in m.text, timeout=10_000):
            server.call_next("5")
        button = page.get_by_role("button", name="Bật âm thanh")
        expect(button).to_be_visible()                             # the hall would be silent: say so
        assert page.evaluate("window.__audioLog.filter(e => e.kind === 'start').length") == 0
        button.click()                                             # a user gesture unlocks audio
        page.wait_for_function("window.__audioLog.some(e => e.kind === 'end')", timeout=15_000)
        expect(button).to_be_hidden()
        assert [e["key"] for e in page.evaluate("window.__audioLog") if e["kind"] == "start"] == ["1:0:ticket.called"]
