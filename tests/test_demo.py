"""`make demo` is the first thing a new user runs: it must start the center, print working
page URLs with demo credentials, and stop everything it started on Ctrl-C, and on SIGTERM
(systemd, `kill`) alike: SIGTERM used to leave its nine children running."""
import re
import signal
import time

import httpx
import pytest

from bench.demo.launch import DemoProcess


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_demo_prints_working_urls_and_stops_cleanly(tmp_path, stop_signal):
    demo = DemoProcess(tmp_path)
    try:
        out = demo.start(timeout=90)
        assert "Ctrl-C" in out, out
        server = re.search(r"queue server: (http://127\.0\.0\.1:\d+)", out).group(1)
        display = re.search(r"Hall display\s+(\S+)", out).group(1)
        rating = re.search(r"Rating tablet\s+(\S+)", out).group(1)
        officer, password = re.search(r"/console\S*\s+\((\w+) / (\S+)\)", out).groups()
        assert httpx.get(display, timeout=10).status_code == 200
        assert httpx.get(rating, timeout=10).status_code == 200
        login = httpx.post(f"{server}/api/v1/auth/login", json={"username": officer, "password": password}, timeout=10)
        assert login.status_code == 200 and login.json()["token"]
        assert len(httpx.get(f"{server}/api/v1/services", timeout=10).json()) >= 8
        for device in ("printer", "scanner", "locker"):
            assert re.search(rf"{device} simulator: pty /dev/pts/\d+", out), f"{device} simulator missing"
        # issue 15: the province simulator runs and a dossier ready there can be looked up on the server
        ready = re.search(r"ready for a locker \(status 9\): (\S+?)[,\s]", out).group(1)
        deadline = time.monotonic() + 30
        while httpx.get(f"{server}/api/v1/dossiers/{ready}", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, f"{ready} never synced"
            time.sleep(0.5)
        assert httpx.get(f"{server}/api/v1/dossiers/{ready}", timeout=10).json()["status"] in (9, 10)
        # each kiosk its own device key: a fault on one is never reported under the other's name
        import sqlite3
        with sqlite3.connect(tmp_path / "motcua.sqlite") as db:
            devices = dict(db.execute("SELECT name, role FROM devices WHERE active = 1").fetchall())
        assert devices.get("kiosk-1") == "kiosk" and devices.get("result-1") == "locker", devices
        ticket_key = re.search(r'device_key = "(\S+)"', (tmp_path / "kiosk.toml").read_text()).group(1)
        assert ticket_key.startswith("dk_")
        me = httpx.get(f"{server}/api/v1/auth/me", headers={"Authorization": f"Bearer {ticket_key}"}, timeout=10)
        assert me.json() == {"kind": "device", "name": "kiosk-1", "role": "kiosk"}   # the ticket kiosk's own key
    finally:
        returncode = demo.stop(stop_signal)
    assert returncode == 0
    left = demo.leftovers()  # nothing the demo started is left running
    assert not left, f"processes left behind: {left}"
