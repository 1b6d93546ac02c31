"""/docs works on a box with no internet: every asset comes from the server itself."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_api_docs_render_with_every_outside_request_blocked(server, browser):
    page = browser.new_page()
    asked, blocked = [], []

    def route(r):
        asked.append(r.request.url)
        if urlsplit(r.request.url).hostname != "127.0.0.1":
            blocked.append(r.request.url)
            return r.abort()
        return r.continue_()
    page.route("**/*", route)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(server.base_url + "/docs")
        # Swagger UI drew the operations of the OpenAPI document (3.1) it fetched from the box
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/tickets/{ticket_id}").first).to_be_visible(
            timeout=30_000)
        expect(page.locator(".info .title")).to_contain_text("motcua queue server")
        assert not page.locator(".errors-wrapper").is_visible()
    finally:
        page.close()
    assert blocked == [], f"/docs asked outside hosts: {blocked}"
    assert any(u.endswith("/openapi.json") for u in asked) and errors == []
