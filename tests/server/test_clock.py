"""The accelerated clock the soak bench uses: `motcua serve --clock-start … --clock-rate R`."""
from __future__ import annotations

import subprocess
import time
from datetime import datetime

import pytest

from bench.live_server import MOTCUA
from queue_server.clock import ShiftedClock


def test_a_shifted_clock_runs_from_its_start_at_its_rate():
    clock = ShiftedClock("2026-11-23T07:30:00+07:00", rate=600)
    first = clock()
    time.sleep(0.2)
    elapsed = (clock() - first).total_seconds()
    assert first >= datetime.fromisoformat("2026-11-23T07:30:00+07:00")
    assert 100 <= elapsed <= 400, elapsed        # 0.2 s real ≈ 2 simulated minutes


@pytest.mark.parametrize("rate", [0, -1, 1e9])
def test_a_clock_rate_out_of_range_is_refused(rate):
    with pytest.raises(ValueError):
        ShiftedClock("2026-11-23T07:30:00+07:00", rate=rate)


def test_serve_refuses_a_clock_rate_without_a_start_in_one_line(tmp_path):
    r = subprocess.run([*MOTCUA, "serve", "--db", str(tmp_path / "x.sqlite"), "--port", "0", "--clock-rate", "60"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip() == "motcua serve: --clock-rate needs --clock-start"
    assert not (tmp_path / "x.sqlite").exists()
