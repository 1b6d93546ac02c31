"""`motcua demo --province`: PostgreSQL, a province and two sites; the province page shows both,
and Ctrl-C stops everything, PostgreSQL included."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import wait_until

MOTCUA = Path(sys.executable).parent / "motcua"
pytestmark = pytest.mark.xdist_group("postgres")


def test_demo_starts_a_two_site_province(tmp_path):
    proc = subprocess.Popen([str(MOTCUA), "demo", "--province", "--var", str(tmp_path), "--port", "0", "--no-kiosk"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C" in line:
                break
        out = "".join(lines)
        page = re.search(r"Province page\s+(\S+)", out).group(1)
        pg_dir = re.search(r"PostgreSQL in (\S+)\)", out).group(1)

        def both_sites():
            html = httpx.get(page, timeout=10).text
            return 'data-site="trung-tam"' in html and re.search(
                r'data-site="xa-demo"><td class="num">\d+</td><td><a [^>]*>xa-demo</a></td><td class="num">3<', html) and html
        html = wait_until(both_sites, timeout=60, what="both sites on the province page")
        assert "Các điểm một cửa của tỉnh" in html
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0
    assert not Path(pg_dir).exists(), "the demo's PostgreSQL was left behind"
    left = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert not left, f"processes left behind: {left}"
