"""Web hardening: a strict CSP (no inline script, no framing), nosniff and no Referer to other
sites on every answer — and every page still works in Chromium with the CSP enforced."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_every_answer_carries_the_security_headers(server):
    for path, who in (("/api/v1/health", None), ("/web/static/common.js", None), ("/console", None),
                      ("/display", None), ("/nowhere", None), (f"/api/v1/tickets/{2**70}", "officer"),
                      ("/login", None), ("/docs", None), ("/openapi.json", None)):
        r = server.get(path, who)
        csp = r.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], path
        assert "frame-ancestors 'none'" in csp, path
        assert r.headers.get("x-content-type-options") == "nosniff", path
        assert r.headers.get("referrer-policy") == "same-origin", path
    page = server.get("/display", None, params={"token": server.display_key}).text
    assert "<script>" not in page and "window.PAGE =" not in page  # data comes as JSON, not code
    for speed in ("nan", "inf", "-1e999"):  # the data block stays valid JSON whatever the URL says
        html = server.get("/display", None, params={"token": server.display_key, "speed": speed}).text
        data = re.search(r'id="page-data">(.*?)</script>', html, re.S).group(1)
        assert json.loads(data)["speed"] in (0.5, 1.0, 8.0)


def _watch(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return violations


def test_pages_work_with_the_csp_enforced(server, new_page, login):
    display = new_page(1920, 1080, enforce_csp=True)
    seen = _watch(display)
    display.goto(f"{server.base_url}/display?token={server.display_key}")
    expect(display.locator("body")).to_have_attribute("data-live", "1")
    expect(display.locator("#clock-time")).not_to_have_text("--:--:--")

    console = new_page(enforce_csp=True)
    seen += _watch(console)
    login(console, server, "officer", "/console")
    console.locator("#chooser [data-counter='5']").click()
    ticket = server.issue("civil")
    expect(console.locator("#waiting [data-service=civil] .count")).to_have_text("1")
    console.keyboard.press("n")
    expect(console.locator("#cur-number")).to_have_text(ticket["number"])
    expect(display.locator("#now-number")).to_have_text(ticket["number"])

    dashboard = new_page(enforce_csp=True)
    seen += _watch(dashboard)
    login(dashboard, server, "supervisor", "/dashboard")
    expect(dashboard.locator("#updated")).not_to_be_empty()

    tablet = new_page(1280, 800, enforce_csp=True)
    seen += _watch(tablet)
    tablet.goto(f"{server.base_url}/rate/5?token={server.device_key('rating')}")
    expect(tablet.locator("#conn")).to_have_class("conn on")
    assert server.post(f"/api/v1/tickets/{ticket['id']}/finish").status_code == 200
    expect(tablet.locator("#r-ticket")).to_have_text(ticket["number"])
    tablet.locator("[data-level=satisfied]").click()          # a write, with the key in a header
    expect(tablet.locator("#thanks")).to_be_visible()

    phone = new_page(390, 844, enforce_csp=True)               # the citizen's ticket page
    seen += _watch(phone)
    mine = server.issue("civil")
    phone.goto(mine["status_url"])
    expect(phone.locator("#conn")).to_have_text("Tự động cập nhật")   # its script ran and the stream is live

    docs = new_page(enforce_csp=True)
    seen += _watch(docs)
    docs.goto(server.base_url + "/docs")
    expect(docs.locator(".opblock").first).to_be_visible(timeout=30_000)
    assert seen == [], seen


def test_no_page_can_be_framed(server, new_page):
    host = new_page(enforce_csp=True)
    host.set_content(f'<iframe id="f" src="{server.base_url}/display?token={server.display_key}"></iframe>')
    host.wait_for_timeout(1500)
    frame = host.frame_locator("#f")
    assert frame.locator("#now-number").count() == 0  # refused: the console or board cannot be overlaid


def test_the_phone_page_works_with_the_csp_enforced(server, new_page):
    mine = server.issue("transport")
    page = new_page(390, 844, enforce_csp=True)
    seen = _watch(page)
    page.goto(mine["status_url"])
    expect(page.locator("#conn")).to_have_text("Tự động cập nhật")   # phone.js ran and the stream is live
    server.call_next("11")
    expect(page.locator("#headline")).to_have_text("Mời ông/bà đến quầy 11")
    assert seen == [], seen
