"""Shared fixtures: a real queue server for every part's integration tests.

- `live_server` (module scope): one `motcua serve` subprocess per test module.
- `server_factory` (function scope): `server_factory(**kw)` → a fresh LiveServer
  (kw: config_path, clock_start, open_all_hours); all stopped at test end.
- `app_factory`: in-process app + store for TestClient tests (injectable clock).
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
