"""A real PostgreSQL (throw-away cluster, bench/postgres.py) and real province/site servers."""
from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from bench.demo.province import site_toml
from bench.live_province import LiveProvince
from bench.live_server import MONDAY_MORNING, LiveServer
from bench.postgres import TempPostgres

_names = itertools.count()


@pytest.fixture(scope="session")
def postgres():
    pg = TempPostgres().start()
    yield pg
    pg.stop()


@pytest.fixture
def province_dsn(postgres) -> str:
    return postgres.create_database(f"province_{next(_names)}")


@pytest.fixture
def province(province_dsn, tmp_path):
    live = LiveProvince(tmp_path / "province", province_dsn, clock_start=MONDAY_MORNING)
    yield live
    live.stop()


def site_config(path: Path, url: str, site: str, key: str, **opts) -> Path:
    """The sample center's site.toml with a [province] table pointing at `url`; the center is
    named after the site ("Điểm một cửa xa-a"), as a province page would show it."""
    return site_toml(path, url, site, key, f"Điểm một cửa {site}", **opts)


@pytest.fixture
def site_server(tmp_path):
    """site_server(name, url, key, **province opts) → a LiveServer shipping to `url`."""
    started: list[LiveServer] = []

    def make(name: str, url: str, key: str, **opts) -> LiveServer:
        opts.setdefault("interval_seconds", 0.2)
        opts.setdefault("max_backoff_seconds", 1.0)
        config = site_config(tmp_path / name / "site.toml", url, name, key, **opts)
        live = LiveServer(tmp_path / name, config_path=config, open_all_hours=True).start()
        started.append(live)
        return live

    yield make
    for live in started:
        live.stop()


def wait_until(check, timeout: float = 60, what: str = "condition"):
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what} (last: {value!r})")
        time.sleep(0.2)
