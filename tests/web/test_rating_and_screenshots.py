"""The citizen's rating tablet, and a look at every page (docs/screenshots/web-*.png)."""
from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_rating_flow_after_finish(server, new_page):
    key = server.device_key("rating")
    tablet = new_page(1280, 800)
    tablet.goto(f"{server.base_url}/rate/5?token={key}")
    expect(tablet.locator("#conn")).to_have_text("Trực tuyến")
    expect(tablet.locator("#idle")).to_be_visible()
    server.issue("civil")
    ticket = server.call_next("5")
    expect(tablet.locator("#idle")).to_be_visible()                 # not before "finish"
    assert server.post(f"/api/v1/tickets/{ticket['id']}/finish").status_code == 200

    expect(tablet.locator("#ask")).to_be_visible()
    expect(tablet.locator("#r-ticket")).to_have_text(ticket["number"])
    expect(tablet.locator("#r-officer")).to_have_text("officer1")
    for label in ("Rất hài lòng", "Hài lòng", "Không hài lòng"):
        expect(tablet.get_by_role("button", name=label, exact=True)).to_be_visible()
    tablet.get_by_role("button", name="Không hài lòng").click()
    expect(tablet.locator("#reason-form")).to_be_visible()
    tablet.click("#send-reason")                                     # no reason given
    expect(tablet.locator("#r-error")).to_have_text("Vui lòng cho biết lý do.")
    assert server.get("/api/v1/ratings", "supervisor").json()["ratings"] == []
    tablet.get_by_role("button", name="Chờ quá lâu").click()
    tablet.click("#send-reason")
    expect(tablet.locator("#thanks")).to_be_visible()
    expect(tablet.locator("#thanks")).to_contain_text("Cảm ơn")

    [row] = server.get("/api/v1/ratings", "supervisor").json()["ratings"]
    assert (row["ticket"], row["officer"], row["counter"], row["service"], row["level"], row["reason"]) == \
        (ticket["number"], "officer1", "5", "civil", "dissatisfied", "Chờ quá lâu")
    again = httpx.post(server.base_url + "/api/v1/ratings", json={"ticket_id": ticket["id"], "level": "satisfied"},
                       headers={"Authorization": f"Bearer {key}"})
    assert again.status_code == 409
    assert "đã được đánh giá" in again.json()["error"]["message"]
    expect(tablet.locator("#idle")).to_be_visible(timeout=10_000)    # back to waiting for the next citizen


def test_screenshots_of_every_page(server, new_page, login, shot):
    # a believable mid-morning: queues in several services, calls at several counters
    for service, priority in [("land", None), ("land", "elderly"), ("civil", None), ("civil", "pregnant"),
                              ("business", None), ("tax", None), ("land", None), ("civil", None),
                              ("transport", None), ("health", None), ("business", None), ("land", None)]:
        server.issue(service, priority)
    for counter in ("2", "7", "8"):
        server.call_next(counter)
    rating_key = server.device_key("rating")
    kiosk = {"Authorization": f"Bearer {server.kiosk_key}"}
    httpx.post(server.base_url + "/api/v1/devices/health", headers=kiosk, timeout=30,
               json={"components": {"printer": {"status": "warning", "detail": "sắp hết giấy / paper low"},
                                    "scanner": {"status": "ok"}}})

    display = new_page(1920, 1080)
    display.goto(f"{server.base_url}/display?token={server.display_key}&speed=8")
    expect(display.locator("body")).to_have_attribute("data-live", "1")

    console = new_page(1440, 900)
    login(console, server, "officer", "/console?counter=5")
    console.keyboard.press("n")                                     # the pregnant visitor comes first
    expect(console.locator("#cur-priority")).to_be_visible()
    expect(display.locator("#now-counter")).to_have_text("5")
    expect(display.locator("#recent tbody tr")).to_have_count(4)
    expect(display.locator("#now-priority")).to_be_visible()
    display.wait_for_timeout(3500)                                   # let the flash animation end
    shot(display, "display")
    console.keyboard.press("b")
    expect(console.locator("#cur-state")).to_have_text("Đang phục vụ")
    shot(console, "console")

    tablet = new_page(1280, 800)
    tablet.goto(f"{server.base_url}/rate/5?token={rating_key}")
    expect(tablet.locator("#idle")).to_be_visible()
    console.keyboard.press("h")
    expect(tablet.locator("#ask")).to_be_visible()
    shot(tablet, "rate")
    tablet.get_by_role("button", name="Không hài lòng").click()
    expect(tablet.locator("#reason-form")).to_be_visible()
    shot(tablet, "rate-reason")
    tablet.get_by_role("button", name="Thái độ chưa tốt").click()
    tablet.click("#send-reason")
    expect(tablet.locator("#thanks")).to_be_visible()

    dash = new_page(1440, 1000)
    login(dash, server, "supervisor", "/dashboard")
    # one officer moved from counter to counter: only Quầy 5 is staffed, so the services left
    # waiting with no open counter are alerts too, next to the kiosk's paper warning
    expect(dash.locator('#alerts .alert[data-code="no_counter"]').first).to_be_visible()
    expect(dash.locator("#ratings")).to_contain_text("Không hài lòng1 (100%)")
    expect(dash.locator("#alerts")).to_contain_text("sắp hết giấy")
    expect(dash.locator("#counters tbody tr")).to_have_count(14)
    shot(dash, "dashboard")

    anon = new_page(1440, 900)
    anon.goto(server.base_url + "/console")
    expect(anon.locator("input[name=password]")).to_be_visible()
    shot(anon, "login")
    en = new_page(1440, 900)
    login(en, server, "officer", "/console?counter=5&lang=en")
    expect(en.locator("#act-call")).to_contain_text("Call next")
    shot(en, "console-en")
