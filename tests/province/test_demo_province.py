"""`motcua demo --province`: PostgreSQL, a province and two sites; the province page shows both,
and Ctrl-C stops everything, PostgreSQL included."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bench.demo.launch import DemoProcess

from .conftest import wait_until

pytestmark = pytest.mark.xdist_group("postgres")


def test_demo_starts_a_two_site_province(tmp_path):
    demo = DemoProcess(tmp_path, "--province")
    try:
        out = demo.start(timeout=120)
        page = re.search(r"Province page\s+(\S+)", out).group(1)
        pg_dir = re.search(r"PostgreSQL in (\S+)\)", out).group(1)

        def both_sites():
            html = httpx.get(page, timeout=10).text
            return 'data-site="trung-tam"' in html and re.search(
                r'data-site="xa-demo"><td class="num">\d+</td><td><a [^>]*>Bộ phận Một cửa UBND xã Tà Nung</a> '
                r'<small class="muted">xa-demo</small></td><td class="num">3<', html) and html
        html = wait_until(both_sites, timeout=60, what="both sites on the province page")
        assert "Các điểm một cửa của tỉnh" in html
    finally:
        returncode = demo.stop()
    assert returncode == 0
    assert not Path(pg_dir).exists(), "the demo's PostgreSQL was left behind"
    left = demo.leftovers()
    assert not left, f"processes left behind: {left}"
