"""Every web page passes axe-core's WCAG 2.2 A/AA rules with no serious or critical finding,
in the states people see: the console with a called ticket, the display showing a call, the
rating tablet asking, the dashboard, the statistics, the phone page waiting and called, login.
(/docs is Swagger UI's own page and is left out.)"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.axe import axe_findings

pytestmark = pytest.mark.browser


def report(findings: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}: {line}" for page, lines in findings.items() for line in lines)


def test_staff_pages_have_no_serious_axe_finding(server, new_page, login):
    findings = {}
    page = new_page()
    page.goto(server.base_url + "/login")
    expect(page.locator("input[name=username]")).to_be_visible()
    findings["login"] = axe_findings(page)

    console = new_page()
    login(console, server, "officer", "/console")
    findings["console-chooser"] = axe_findings(console)
    console.locator("#chooser [data-counter='5']").click()
    ticket = server.issue("civil")
    server.issue("civil")
    expect(console.locator("#waiting [data-service=civil] .count")).to_have_text("2")
    console.keyboard.press("n")
    expect(console.locator("#cur-number")).to_have_text(ticket["number"])
    findings["console-called"] = axe_findings(console)
    console.keyboard.press("b")
    expect(console.locator("#cur-state")).to_have_text("Đang phục vụ")
    findings["console-serving"] = axe_findings(console)
    console.keyboard.press("c")                                   # the transfer dialog
    expect(console.locator("#transfer-service")).to_be_visible()
    findings["console-transfer"] = axe_findings(console)
    console.click("#transfer-cancel")
    expect(console.locator("#transfer-service")).to_be_hidden()
    console.click("#act-finish")
    expect(console.locator("#tally-done")).to_have_text("1")
    console.click("#act-call")                                    # the second one, then no-show: the message line
    expect(console.locator("#cur-number")).not_to_have_text(ticket["number"])
    console.click("#act-noshow")
    expect(console.locator("#tally-noshow")).to_have_text("1")
    console.click("#act-call")
    expect(console.locator("#message")).to_have_text("Không còn ai đang chờ.")
    findings["console-empty"] = axe_findings(console)
    console.click("#act-pause")
    expect(console.locator("#paused-banner")).to_be_visible()
    findings["console-paused"] = axe_findings(console)
    console.click("#act-pause")
    expect(console.locator("#paused-banner")).to_be_hidden()

    dashboard = new_page()
    login(dashboard, server, "supervisor", "/dashboard")
    expect(dashboard.locator("#updated")).not_to_be_empty()
    findings["dashboard"] = axe_findings(dashboard)

    stats = new_page()
    login(stats, server, "supervisor", "/stats")
    stats.wait_for_load_state("networkidle")
    findings["stats"] = axe_findings(stats)
    stats.goto(server.base_url + "/stats?lang=en")
    stats.wait_for_load_state("networkidle")
    findings["stats-en"] = axe_findings(stats)
    console.goto(server.base_url + "/console?counter=5&lang=en")
    expect(console.locator("#workspace")).to_be_visible()
    findings["console-en"] = axe_findings(console)

    display = new_page(1920, 1080)
    display.goto(f"{server.base_url}/display?token={server.display_key}&speed=8")
    expect(display.locator("#now-number")).not_to_be_empty()
    findings["display"] = axe_findings(display)

    tablet = new_page(1280, 800)
    tablet.goto(f"{server.base_url}/rate/5?token={server.device_key('rating')}")
    expect(tablet.locator("#conn")).to_have_class("conn on")
    findings["rate-idle"] = axe_findings(tablet)
    third = server.issue("civil")
    server.call_next("5")
    assert server.post(f"/api/v1/tickets/{third['id']}/finish").status_code == 200
    expect(tablet.locator("#r-ticket")).to_have_text(third["number"])
    findings["rate-asking"] = axe_findings(tablet)

    assert not any(findings.values()), report(findings)


def test_the_phone_page_has_no_serious_axe_finding(server, browser):
    from tests.web.test_phone import phone
    server.post("/api/v1/counters/5/sign-in")
    server.issue("civil")
    mine = server.issue("civil")
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                              locale="vi-VN", bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(mine["status_url"])
        expect(page.locator("#ahead")).to_have_text("1")
        findings = {"phone-waiting": axe_findings(page)}
        page.locator("#alert-consent").check()
        page.locator("#alert-send").tap()                  # no number: the error shows
        expect(page.locator("#alert-error")).not_to_be_empty()
        findings["phone-alert-error"] = axe_findings(page)
        server.call_next("5")
        server.call_next("5")
        expect(page.locator("#headline")).to_have_text("Mời ông/bà đến quầy 5")
        findings["phone-called"] = axe_findings(page)
        page.goto(server.base_url + "/t/not-a-ticket")
        findings["phone-not-found"] = axe_findings(page)
        assert not any(findings.values()), report(findings)
    finally:
        ctx.close()
