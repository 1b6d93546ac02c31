"""`motcua sim scanner` and `motcua hw scan` as an installer uses them: separate processes, real pty."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from hardware_sim.scanner.payloads import fake_cccd, fake_receipt
from queue_server.cli import main

MOTCUA = str(Path(sys.executable).parent / "motcua")


def motcua(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([MOTCUA, *args], capture_output=True, text=True, timeout=timeout)


def control(capsys, *args: str) -> tuple[int, str, str]:
    """`motcua sim scanner --control ...` in this process (it only talks HTTP to the simulator)."""
    code = main(["sim", "scanner", "--control", *args])
    out, err = capsys.readouterr()
    return code, out, err


def wait_for_line(proc: subprocess.Popen, needle: str, timeout: float = 20) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} not seen in {lines}")


def test_hw_scan_prints_each_code_with_its_kind_and_masks_the_id(tmp_path, capsys):
    link = str(tmp_path / "ttyScanner")
    sim = subprocess.Popen([MOTCUA, "sim", "scanner", "--suffix", "crlf", "--link", link],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    hw = None
    try:
        info = json.loads(sim.stdout.readline())
        assert info["pty"].startswith("/dev/") and Path(link).resolve() == Path(info["pty"])
        url = info["control_url"]
        hw = subprocess.Popen([MOTCUA, "hw", "scan", link, "--suffix", "crlf", "--count", "4", "--seconds", "30"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = wait_for_line(hw, "connected")
        card = fake_cccd(date(1950, 3, 1), "Nữ", name="Phạm Thị Lan", serial=246813, seed=9)
        id12 = card.split("|")[0]
        for text in (card, fake_receipt("000.00.21.H29-230101-0007"), "http://10.0.0.5:8000/t/A012", "hello"):
            code, out, err = control(capsys, url, "scan", text)
            assert code == 0, err
            assert json.loads(out)["sent"] == 1
        out, err = hw.communicate(timeout=30)
        assert hw.returncode == 0, err
        lines = [line.split(None, 1)[1].rstrip() for line in seen[-1:] + out.splitlines()]
        assert lines[0] == f"connected   {link}"
        assert lines[1].startswith("citizen_id  ID *********813  age 76")
        assert "elderly" in lines[1]
        assert lines[2].startswith("dossier     000.00.21.H29-230101-0007  (receipt")
        assert lines[3].startswith("ticket      A012  http://10.0.0.5:8000/t/A012")
        assert lines[4].startswith("unknown     not a chip-ID")
        assert "summary: 4 codes" in err
        assert id12 not in out + err and "Lan" not in out + err
    finally:
        for proc in (hw, sim):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=10)
    assert sim.returncode == 0


def test_hw_scan_on_a_missing_port_fails_with_the_reason(tmp_path):
    result = motcua("hw", "scan", str(tmp_path / "nothing"), "--seconds", "0.5")
    assert result.returncode == 1
    assert "never connected: no such serial port" in result.stderr


def test_sim_control_faults_and_state_from_the_command_line(sim, capsys):
    url = sim.control_url
    assert control(capsys, url, "noise", "--length", "8")[0] == 0
    assert control(capsys, url, "unplug")[0] == 0
    code, out, _ = control(capsys, url, "state")
    assert (json.loads(out)["state"]["plugged"], json.loads(out)["state"]["suffix"]) == (False, "cr")
    code, _, err = control(capsys, url, "scan")
    assert code == 1 and "scan needs TEXT" in err
    code, _, err = control(capsys, url.replace(url.rsplit(":", 1)[1], "1"), "state")
    assert code == 1 and "scanner simulator at" in err
