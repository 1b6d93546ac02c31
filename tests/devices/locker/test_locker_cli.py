"""`motcua sim locker` in its own process, driven by `motcua hw locker-*` and `--control`.

Also the restart case of issue 6: the simulator is killed while a door is open
and restarted from its state file; the board then still reports that door open.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

MOTCUA = str(Path(sys.executable).with_name("motcua"))


def motcua(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([MOTCUA, *args], capture_output=True, text=True, timeout=60)


def start_sim(state: Path) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen([MOTCUA, "sim", "locker", "--boards", "0,1", "--baud", "19200",
                             "--state", str(state), "--close-after", "0", "--open-delay", "0.05"],
                            stdout=subprocess.PIPE, text=True)
    info = json.loads(proc.stdout.readline())
    return proc, info


@pytest.fixture
def running(tmp_path):
    proc, info = start_sim(tmp_path / "bank.json")
    yield info
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)


def status(pty: str, board: int) -> dict:
    result = motcua("hw", "locker-status", pty, "--board", str(board), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_locker_open_exit_code_follows_the_board(running):
    pty, control = running["pty"], running["control_url"]
    assert running["boards"] == [0, 1] and pty.startswith("/dev/")
    opened = motcua("hw", "locker-open", pty, "--board", "1", "--lock", "3")
    assert opened.returncode == 0, opened.stderr
    assert "confirmed open" in opened.stdout
    assert status(pty, 1)["door_open"][3] is True

    jam = motcua("sim", "locker", "--control", control, "fault", "jammed", "--board", "0", "--lock", "2")
    assert jam.returncode == 0, jam.stderr
    failed = motcua("hw", "locker-open", pty, "--board", "0", "--lock", "2", "--timeout", "0.3")
    assert failed.returncode == 1 and "jammed" in failed.stderr
    assert "confirmed open" not in failed.stdout

    motcua("sim", "locker", "--control", control, "fault", "dead", "--board", "0")
    dead = motcua("hw", "locker-open", pty, "--board", "0", "--lock", "4")
    assert dead.returncode == 1 and "board 0" in dead.stderr and "no reply" in dead.stderr


def test_status_table_and_scan_for_a_technician(running):
    pty, control = running["pty"], running["control_url"]
    assert motcua("sim", "locker", "--control", control, "open-door", "--board", "0", "--lock", "5").returncode == 0
    assert motcua("sim", "locker", "--control", control, "put-item", "--board", "0", "--lock", "5").returncode == 0
    table = motcua("hw", "locker-status", pty, "--board", "0")
    assert table.returncode == 0
    row = [line for line in table.stdout.splitlines() if line.split()[:1] == ["5"]][0]
    assert "MỞ / open" in row and "có / yes" in row
    scan = motcua("hw", "locker-scan", pty, "--json")
    assert json.loads(scan.stdout)["boards"] == [0, 1]
    bad = motcua("sim", "locker", "--control", control, "put-item", "--board", "0", "--lock", "9")
    assert bad.returncode == 1 and "door is closed" in bad.stderr
    unknown = motcua("hw", "locker-status", pty, "--board", "7")
    assert unknown.returncode == 1 and "board 7" in unknown.stderr


def test_killed_simulator_restarts_with_the_real_door_state(tmp_path):
    state = tmp_path / "bank.json"
    proc, info = start_sim(state)
    try:
        assert motcua("hw", "locker-open", info["pty"], "--board", "0", "--lock", "6").returncode == 0
    finally:
        proc.kill()  # no clean shutdown: the state file is all that survives
        proc.wait(timeout=10)
    proc, info = start_sim(state)
    try:
        assert status(info["pty"], 0)["door_open"][6] is True
        closed = motcua("sim", "locker", "--control", info["control_url"], "close-door", "--board", "0", "--lock", "6")
        assert json.loads(closed.stdout)["door_open"] is False
        assert status(info["pty"], 0)["door_open"][6] is False
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_bad_arguments_get_a_clear_message():
    result = motcua("hw", "locker-open", "/dev/does-not-exist", "--board", "0", "--lock", "1")
    assert result.returncode == 1 and "no such serial port" in result.stderr
    result = motcua("hw", "locker-open", "/dev/null", "--board", "0", "--lock", "16")
    assert result.returncode == 2 and "0..15" in result.stderr


def test_open_latency_function_for_the_bench():
    from bench.locker_driver import measure_with_simulator

    figures = measure_with_simulator(baud=19200, rounds=2, open_delay=0.05)
    assert figures["baud"] == 19200 and figures["rounds"] == 2
    assert 0.05 <= figures["unlock_to_open_s"]["median"] <= figures["call_s"]["max"]
