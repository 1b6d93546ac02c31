"""Several small sites in one `motcua serve` process (a district box): one SQLite file and one
port each; one site's keys, tickets and accounts are invisible to the others."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import threading

import httpx
import pytest

from bench.live_server import MONDAY_MORNING, MOTCUA
from queue_server.auth.accounts import add_device, add_user
from queue_server.cli.multisite import load_sites
from queue_server.cli.serve import open_store
from queue_server.config import DEFAULT_CONFIG, ConfigError


def seed(db, password: str) -> str:
    store = open_store(db)
    try:
        add_user(store, "officer1", "officer", password)
        return add_device(store, "kiosk-1", "kiosk")
    finally:
        store.close()


def write_sites(tmp_path, ports=(0, 0)) -> None:
    for name in ("xa-a", "xa-b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "site.toml").write_text(DEFAULT_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "sites.toml").write_text("".join(
        f'[[sites]]\nname = "{name}"\nconfig = "{name}/site.toml"\ndb = "{name}.sqlite"\nport = {port}\n\n'
        for name, port in zip(("xa-a", "xa-b"), ports)), encoding="utf-8")


def test_two_sites_in_one_process_cannot_see_each_other(tmp_path):
    write_sites(tmp_path)
    key_a, key_b = seed(tmp_path / "xa-a.sqlite", "pass-a-123"), seed(tmp_path / "xa-b.sqlite", "pass-b-123")
    proc = subprocess.Popen([*MOTCUA, "serve", "--sites", str(tmp_path / "sites.toml"), "--port", "0",
                             "--clock-start", MONDAY_MORNING, "--open-all-hours"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout.readline() for _ in range(2)), daemon=True)
        reader.start()
        reader.join(60)
        urls = dict(re.findall(r"serving site (\S+) on (\S+)", "".join(lines)))
        assert set(urls) == {"xa-a", "xa-b"}, lines
        a, b = urls["xa-a"], urls["xa-b"]

        def issue(url, key):
            return httpx.post(url + "/api/v1/tickets", json={"service": "land"}, timeout=30,
                              headers={"Authorization": f"Bearer {key}", "Idempotency-Key": os.urandom(8).hex()})
        assert issue(a, key_a).json()["number"] == "A001"
        assert issue(a, key_a).json()["number"] == "A002"
        assert issue(b, key_a).status_code == 401            # site A's kiosk key is unknown at site B
        assert issue(b, key_b).json()["number"] == "A001"    # B numbers its own day
        token_a = httpx.post(a + "/api/v1/auth/login", json={"username": "officer1", "password": "pass-a-123"}).json()["token"]
        assert httpx.post(b + "/api/v1/auth/login", json={"username": "officer1", "password": "pass-a-123"}).status_code == 401
        assert httpx.get(b + "/api/v1/tickets", headers={"Authorization": f"Bearer {token_a}"}).status_code == 401
        mine = httpx.get(a + "/api/v1/tickets", headers={"Authorization": f"Bearer {token_a}"}).json()
        assert len(mine) == 2
        waiting = {url: {s["code"]: s["waiting"] for s in httpx.get(url + "/api/v1/services").json()}["land"]
                   for url in (a, b)}
        assert waiting == {a: 2, b: 1}  # the hall display of each site counts its own queue
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert proc.returncode == 0, proc.stderr.read()[-2000:]


@pytest.mark.parametrize("body, key", [
    ("", "sites"),
    ('[[sites]]\nname = "A"\nconfig = "a.toml"\ndb = "a.sqlite"\nport = 1\n', "sites[0].name"),
    ('[[sites]]\nname = "a"\nconfig = "a.toml"\ndb = "x.sqlite"\nport = 1\n'
     '[[sites]]\nname = "b"\nconfig = "b.toml"\ndb = "x.sqlite"\nport = 2\n', "sites[1].db"),
    ('[[sites]]\nname = "a"\nconfig = "a.toml"\ndb = "a.sqlite"\nport = 8001\n'
     '[[sites]]\nname = "b"\nconfig = "b.toml"\ndb = "b.sqlite"\nport = 8001\n', "sites[1].port"),
])
def test_a_wrong_sites_file_is_refused_naming_the_key(tmp_path, body, key):
    (tmp_path / "sites.toml").write_text(body)
    with pytest.raises(ConfigError) as err:
        load_sites(tmp_path / "sites.toml")
    assert err.value.key == key
