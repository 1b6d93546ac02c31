"""The supervisor sees the province sync on the dashboard (issue 15): who pushed, how much,
and which handed-over results the province has not acknowledged yet."""
from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from queue_server.auth.accounts import add_device
from queue_server.cli.serve import open_store

pytestmark = pytest.mark.browser


def test_dashboard_shows_pushing_source_and_unacknowledged_results(server, new_page, login, shot):
    store = open_store(server.db_path)
    try:
        key = add_device(store, "igate-lamdong", "integration")
    finally:
        store.close()
    code = "000.00.21.H56-261120-0042"
    items = [{"code": code, "status": 9, "status_at": "2026-11-22T15:00:00+07:00", "procedure": "Đăng ký khai sinh",
              "applicant_name": "Phạm Minh Quân"}, {"code": "bad", "status": 2, "status_at": "2026-11-22T15:00:00+07:00",
                                                  "procedure": "x"}]
    r = httpx.post(f"{server.base_url}/api/v1/integrations/dossiers", json={"items": items},
                   headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert [a["result"] for a in r.json()["results"]] == ["applied", "rejected"]
    assert server.post(f"/api/v1/dossiers/{code}/handed-over", json={"channel": "post"}).status_code == 200

    dash = new_page()
    login(dash, server, "supervisor", "/dashboard")
    sources = dash.locator("#sync-sources tbody tr")
    expect(sources).to_have_count(1)
    expect(sources.first).to_contain_text("push:igate-lamdong")
    expect(sources.first).to_contain_text("1 / 1")
    expect(dash.locator("#sync-unacked li")).to_contain_text(f"{code} · gửi bưu chính · 2026-11-23 08:00")
    dash.locator("#sync").scroll_into_view_if_needed()
    shot(dash, "dashboard-sync")
    en = new_page()
    login(en, server, "supervisor", "/dashboard?lang=en")
    expect(en.locator("#sync h2")).to_have_text("Dossier sync with the province system")
    expect(en.locator("#sync-unacked li")).to_contain_text("by post")
