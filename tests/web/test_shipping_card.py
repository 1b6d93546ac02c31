"""The supervisor dashboard shows what has not reached the province yet (issue 16)."""
from __future__ import annotations

from playwright.sync_api import expect

from bench.postgres import free_port
from queue_server.config import DEFAULT_CONFIG

from .conftest import WebServer


def test_dashboard_shows_the_shipping_backlog_while_the_province_is_unreachable(tmp_path, new_page, login, shot):
    config = tmp_path / "site.toml"
    unreachable = f"http://127.0.0.1:{free_port()}"  # nothing listens: the WAN is down
    config.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") +
                      f'\n[province]\nurl = "{unreachable}"\nsite = "xa-a"\nkey = "prov_demo"\n'
                      "max_backoff_seconds = 1\n", encoding="utf-8")
    server = WebServer(tmp_path / "server", config_path=config, open_all_hours=True).start()
    try:
        for _ in range(3):
            server.issue("land")
        dash = new_page(1440, 1100)
        login(dash, server, "supervisor", "/dashboard")
        card = dash.locator("#shipping-card")
        expect(card).to_be_visible()
        expect(card).to_contain_text("Gửi dữ liệu lên tỉnh")
        expect(card.locator("dd").first).to_have_text("3")          # 3 ticket events not yet sent
        expect(card.locator("dd[data-state=retrying]")).to_contain_text("Mất kết nối", timeout=10000)
        card.scroll_into_view_if_needed()
        shot(dash, "dashboard-shipping")
    finally:
        server.stop()


def test_no_shipping_card_without_a_province(server, new_page, login):
    dash = new_page()
    login(dash, server, "supervisor", "/dashboard")
    expect(dash.locator("#updated")).not_to_be_empty()
    expect(dash.locator("#shipping-card")).to_be_hidden()
