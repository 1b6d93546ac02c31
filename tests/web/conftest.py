"""Fixtures for the web pages: a real `motcua serve` and Debian's Chromium.

Never downloads a browser: Playwright drives /usr/bin/chromium directly.
"""
from __future__ import annotations

import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.live_server import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]
from bench.screenshots import SCREENSHOTS  # noqa: E402


class WebServer(LiveServer):
    """LiveServer that can come back on the SAME port (a TV reconnects to the same URL)."""

    port = 0

    def start(self, timeout: float = 60) -> "WebServer":
        if not self.port:
            super().start(timeout)
            self.port = int(self.base_url.rsplit(":", 1)[1])
            return self
        import os
        from bench.live_server import MOTCUA
        cmd = [*MOTCUA, "serve", "--config", str(self.config_path), "--db", str(self.db_path),
               "--host", "127.0.0.1", "--port", str(self.port)]
        if self.clock_start:
            cmd += ["--clock-start", self.clock_start]
        log = open(self.workdir / "server.log", "ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, cwd=self.workdir,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        line = self._readline(timeout)
        if not line.startswith("motcua: serving on "):
            self.kill()
            raise RuntimeError(f"server did not restart on port {self.port}: {line!r}")
        self._tokens.clear()
        return self

    def twin(self) -> LiveServer:
        """Another server process on the same DB and a fresh port (started by the caller)."""
        other = LiveServer.__new__(LiveServer)
        other.__dict__.update({k: v for k, v in self.__dict__.items() if k != "proc"})
        other.proc = None
        other._tokens = {}
        return other

    # -- API helpers used by the tests (plain HTTP, as any client)
    def issue(self, service: str, priority: str | None = None) -> dict:
        body = {"service": service, **({"priority": priority} if priority else {})}
        r = httpx.post(self.base_url + "/api/v1/tickets", json=body, timeout=30,
                       headers={**self.headers("kiosk"), "Idempotency-Key": uuid.uuid4().hex})
        assert r.status_code == 201, r.text
        return r.json()

    def post(self, path: str, who: str = "officer", **kw) -> httpx.Response:
        return httpx.post(self.base_url + path, headers=self.headers(who), timeout=30, **kw)

    def get(self, path: str, who: str | None = "officer", **kw) -> httpx.Response:
        headers = self.headers(who) if who else {}
        return httpx.get(self.base_url + path, headers=headers, timeout=30, **kw)

    def call_next(self, counter: str, who: str = "officer") -> dict:
        r = self.post(f"/api/v1/counters/{counter}/call-next", who, json={})
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def server(tmp_path):
    live = WebServer(tmp_path / "server").start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="session")
def playwright_driver():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_driver):
    b = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def launch_chromium(playwright_driver):
    """Another Chromium with a chosen autoplay policy (e.g. a TV that blocks sound)."""
    @contextmanager
    def launch(autoplay: str):
        args = [a for a in CHROMIUM_ARGS if not a.startswith("--autoplay-policy")]
        b = playwright_driver.chromium.launch(executable_path=CHROMIUM,
                                              args=args + [f"--autoplay-policy={autoplay}"])
        try:
            yield b
        finally:
            b.close()
    return launch


@pytest.fixture
def new_page(browser: Browser):
    contexts = []

    def make(width: int = 1440, height: int = 900, enforce_csp: bool = False) -> Page:
        # Playwright's wait_for_function evaluates its predicate with eval(), which the pages'
        # CSP forbids: flow tests bypass the CSP; test_csp.py runs the pages under it.
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh", bypass_csp=not enforce_csp)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def login():
    def sign_in(page: Page, server: WebServer, role: str, path: str) -> None:
        """Sign in through the real form, as a person would."""
        from bench.live_server import STAFF
        page.goto(server.base_url + path)
        expect(page.locator("input[name=username]")).to_be_visible()
        page.fill("input[name=username]", STAFF[role])
        page.fill("input[name=password]", server.password)
        page.click("button[type=submit]")
        page.wait_for_url(server.base_url + path.split("?")[0] + "*")
    return sign_in


@pytest.fixture
def shot():
    def save(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"web-{name}.png"
        page.screenshot(path=str(path))
        return path
    return save


@pytest.fixture
def web_app(tmp_path):
    """The real app in process (TestClient) on a temp DB, with a fake clock at Monday 08:00.
    Yields (client, headers) where headers[role] is a Bearer header for every staff and device role."""
    from fastapi.testclient import TestClient
    from queue_server.auth.accounts import DEVICE_ROLES, add_device, add_user
    from queue_server.app import create_app
    from queue_server.clock import FakeClock
    from queue_server.settings import Settings
    from bench.live_server import PASSWORD, STAFF

    clock = FakeClock("2026-11-23T08:00:00+07:00")
    app = create_app(Settings(db_path=tmp_path / "web.sqlite", clock=clock, public_rate_per_minute=0))
    store = app.state.store
    for role, name in STAFF.items():
        add_user(store, name, role, PASSWORD)
    headers = {role: {"Authorization": "Bearer " + add_device(store, f"test-{role}", role)}
               for role in DEVICE_ROLES}
    with TestClient(app) as client:
        for role, name in STAFF.items():
            r = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
            headers[role] = {"Authorization": "Bearer " + r.json()["token"]}
        client.app_clock = clock
        yield client, headers
