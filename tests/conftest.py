"""Shared fixtures: a real queue server for every part's integration tests.

- `live_server` (module scope): one `motcua serve` subprocess per test module.
- `server_factory` (function scope): `server_factory(**kw)` → a fresh LiveServer
  (kw: config_path, clock_start, open_all_hours); all stopped at test end.
- `app_factory`: in-process app + store for TestClient tests (injectable clock).
- `api_factory`: `api_factory(**settings)` → a TestClient on a fresh app_factory app, officer
  "an" signed in (`.officer`), a ticket kiosk's key (`.kiosk`), `.store`, `.clock`, `.login()`.
See bench/live_server.py.
"""
from __future__ import annotations


import pytest

from bench.live_server import LiveServer


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("live_server")).start()
    yield live
    live.stop()


@pytest.fixture
def server_factory(tmp_path):
    started: list[LiveServer] = []

    def make(**kw) -> LiveServer:
        live = LiveServer(tmp_path / f"server{len(started)}", **kw).start()
        started.append(live)
        return live

    yield make
    for live in started:
        live.stop()


@pytest.fixture
def app_factory(tmp_path):
    """app_factory(clock=..., config_path=..., **settings) → (app, store)."""
    from queue_server.app import create_app
    from queue_server.clock import FakeClock
    from queue_server.settings import Settings
    from bench.live_server import MONDAY_MORNING

    made = []

    def make(**kw):
        kw.setdefault("clock", FakeClock(MONDAY_MORNING))
        kw.setdefault("db_path", tmp_path / f"app{len(made)}.sqlite")
        kw.setdefault("public_rate_per_minute", 0)
        app = create_app(Settings(**kw))
        made.append(app)
        return app, app.state.store

    yield make
    for app in made:
        app.state.store.close()


@pytest.fixture
def api_factory(app_factory):
    """api_factory(display_name=None, **settings) → an open TestClient with .officer and .kiosk headers, .store, .clock and
    .login(username, password) → headers (the sign-in must succeed)."""
    from fastapi.testclient import TestClient
    from queue_server.auth.accounts import add_device, add_user

    opened = []

    def make(display_name: str | None = None, **kw):
        app, store = app_factory(**kw)
        add_user(store, "an", "officer", "officer-pass", display_name=display_name)
        kiosk = add_device(store, "kiosk-1", "kiosk")
        client = TestClient(app)
        client.__enter__()
        opened.append(client)

        def login(username: str, password: str) -> dict[str, str]:
            answer = client.post("/api/v1/auth/login", json={"username": username, "password": password})
            assert answer.status_code == 200, answer.text
            return {"Authorization": f"Bearer {answer.json()['token']}"}
        client.login, client.store, client.clock = login, store, app.state.settings.clock
        client.officer, client.kiosk = login("an", "officer-pass"), {"Authorization": f"Bearer {kiosk}"}
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)
