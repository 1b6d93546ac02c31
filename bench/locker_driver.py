"""Unlock → board-confirmed-open latency, for `motcua bench locker` (issue 6) to call.

``measure_open_latency(url)`` works on any board (real or simulated).
``measure_with_simulator()`` starts `motcua sim locker` as a separate process
(drivers never import the simulator) at the given baud rate and measures there.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from drivers.locker.driver import LockerBus


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": round(statistics.median(ordered), 4), "p95": round(p95, 4),
            "min": round(ordered[0], 4), "max": round(ordered[-1], 4)}


def measure_open_latency(url: str, *, board: int = 0, locks: Sequence[int] = tuple(range(16)),
                         rounds: int = 16, inverted: bool = False, close_timeout: float = 15.0,
                         poll_interval: float = 0.05) -> dict[str, Any]:
    """Open ``rounds`` doors one after another (each must be closed first; the
    simulator or a person closes them) and time each confirmed opening.

    ``call_s``: whole ``open_and_confirm`` (status check + unlock + polls);
    ``unlock_to_open_s``: from the unlock frame to the status reply showing the door open.
    """
    calls: list[float] = []
    wire: list[float] = []
    with LockerBus(url, inverted_boards=[board] if inverted else [], poll_interval=poll_interval) as bus:
        for i in range(rounds):
            lock = locks[i % len(locks)]
            bus.wait_closed(board, lock, timeout=close_timeout, poll_interval=0.05)
            start = time.perf_counter()
            result = bus.open_and_confirm(board, lock)
            calls.append(time.perf_counter() - start)
            wire.append(result.latency_s)
    return {"rounds": rounds, "poll_interval_s": poll_interval,
            "call_s": _summary(calls), "unlock_to_open_s": _summary(wire)}


def measure_with_simulator(*, baud: int = 19200, rounds: int = 16, open_delay: float = 0.15,
                           poll_interval: float = 0.05) -> dict[str, Any]:
    """Run `motcua sim locker --baud BAUD` in a child process and measure against it."""
    motcua = Path(sys.executable).with_name("motcua")
    # Doors close by themselves 0.4 s after opening: long enough for a poll to see them open.
    cmd = [str(motcua), "sim", "locker", "--boards", "0", "--baud", str(baud),
           "--open-delay", str(open_delay), "--close-after", "0.4"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"locker simulator did not start: {' '.join(cmd)}")
        pty = json.loads(line)["pty"]
        figures = measure_open_latency(pty, rounds=rounds, poll_interval=poll_interval)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {"bench": "locker_open", "baud": baud, "door_swing_s": open_delay, **figures}


if __name__ == "__main__":  # python -m bench.locker_driver
    print(json.dumps(measure_with_simulator()))
