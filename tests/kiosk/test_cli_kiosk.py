"""`motcua kiosk --config ...` as a technician starts it: fullscreen on a display, live screen shot."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.ui
MOTCUA = Path(sys.executable).parent / "motcua"


def test_motcua_kiosk_starts_fullscreen_and_refreshes_a_screenshot(live_server, xdisplay, tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[server]\nurl = "{live_server.base_url}"\ndevice_key = "{live_server.kiosk_key}"\n'
                      '[screen]\nwidth = 1280\nheight = 800\nfullscreen = true\n', encoding="utf-8")
    shot = tmp_path / "screen.png"
    env = {**os.environ, "DISPLAY": xdisplay, "KIVY_HOME": str(tmp_path / "kivy"),
           "MOTCUA_KIOSK_SCREENSHOT": str(shot)}
    proc = subprocess.Popen([str(MOTCUA), "kiosk", "--config", str(config)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not shot.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        assert shot.exists()
        time.sleep(2.5)                       # refreshed, and still running
        image = Image.open(shot)
        assert image.size == (1280, 800)      # the whole (virtual) screen: fullscreen
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(15)
