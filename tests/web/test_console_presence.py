"""The officer signs in to a counter from the console; a counter nobody holds reads closed."""
from __future__ import annotations

from playwright.sync_api import expect


def test_console_sign_in_and_out_of_a_counter(server, new_page, login, shot):
    console = new_page()
    login(console, server, "officer", "/console?counter=6")
    presence = console.locator("#presence")
    expect(presence).to_have_attribute("data-presence", "closed")
    expect(console.locator("#presence-text")).to_have_text("Quầy đang đóng — chưa có cán bộ làm việc.")
    console.locator("#act-presence").click()
    expect(presence).to_have_attribute("data-presence", "you")
    expect(console.locator("#act-presence")).to_have_text("Rời quầy")
    counters = {c["code"]: c for c in server.get("/api/v1/counters", who=None).json()}
    assert counters["6"]["state"] == "open" and counters["5"]["state"] == "closed"
    shot(console, "console-signed-in")
    # another officer's counter: the console says who holds it and will not call from it
    server.post("/api/v1/counters/9/sign-in", "supervisor")
    console.locator("#counter-select").select_option("9")
    expect(presence).to_have_attribute("data-presence", "other")
    expect(console.locator("#act-call")).to_be_disabled()
    console.locator("#counter-select").select_option("6")
    console.locator("#act-presence").click()
    expect(presence).to_have_attribute("data-presence", "closed")
    assert {c["code"]: c for c in server.get("/api/v1/counters", who=None).json()}["6"]["state"] == "closed"


def test_hall_display_shows_which_counters_are_open(server, new_page, shot):
    display = new_page(1920, 1080)
    display.goto(f"{server.base_url}/display?token={server.display_key}")
    counters = display.locator("#counters")
    expect(counters).to_contain_text("Quầy đang làm việc: —")
    expect(display.locator("#services [data-service=construction] .closed")).to_have_text("chưa có quầy mở")
    server.post("/api/v1/counters/9/sign-in")              # construction's counter opens
    expect(counters).to_contain_text("Quầy đang làm việc: 9")
    expect(display.locator("#services [data-service=construction] .closed")).to_have_count(0)
    assert "9" not in (counters.get_attribute("data-closed") or "").split(",")
    shot(display, "display-counters")
    server.post("/api/v1/counters/9/sign-out")
    expect(counters).to_contain_text("Quầy đang làm việc: —")
