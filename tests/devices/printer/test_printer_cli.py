"""What an installer types: `motcua sim printer`, `motcua hw printer-test`, `motcua bench print`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

MOTCUA = str(Path(sys.executable).parent / "motcua")


def motcua(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([MOTCUA, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def sim_process(tmp_path):
    proc = subprocess.Popen([MOTCUA, "sim", "printer", "--tcp-port", "0", "--control-port", "0",
                             "--out", str(tmp_path / "out")], stdout=subprocess.PIPE, text=True)
    ready = proc.stdout.readline()
    info = json.loads(proc.stdout.readline())
    assert ready.startswith("printer simulator ready: pty /dev/")
    yield info | {"out": tmp_path / "out"}
    proc.terminate()
    assert proc.wait(timeout=10) == 0


def test_printer_test_prints_a_ticket_and_reports_status(sim_process):
    result = motcua("hw", "printer-test", sim_process["pty"])
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[0])
    assert report["ok"] and report["status_after"]["ok"] and report["status_after"]["raw"]["4"] == "0x12"
    assert "máy in sẵn sàng" in result.stdout
    png = sim_process["out"] / "ticket-0001.png"
    codes = zxingcpp.read_barcodes(Image.open(png).convert("L"))
    assert [c.text for c in codes] == ["https://motcua.example.vn/t/3f9c2a7b"]
    assert "A012" in (sim_process["out"] / "ticket-0001.txt").read_text(encoding="utf-8")


def test_printer_test_over_tcp_in_english(sim_process):
    result = motcua("hw", "printer-test", f"tcp://127.0.0.1:{sim_process['tcp_port']}", "--lang", "en")
    assert result.returncode == 0, result.stderr
    transcript = (sim_process["out"] / "ticket-0001.txt").read_text(encoding="utf-8")
    assert "People ahead: 5" in transcript and "Estimated wait (min): ~15" in transcript


def test_printer_test_fails_on_an_injected_fault(sim_process):
    control = ["sim", "printer", "--control", sim_process["control_url"]]
    assert motcua(*control, "fault", "cover_open").returncode == 0
    result = motcua("hw", "printer-test", sim_process["pty"])
    assert result.returncode == 1
    assert json.loads(result.stdout)["reason"] == "cover_open"
    assert "Nắp máy in đang mở" in result.stderr
    assert not (sim_process["out"] / "ticket-0001.png").exists()
    assert motcua("hw", "printer-test", sim_process["pty"], "--status-only").returncode == 1
    assert motcua(*control, "clear").returncode == 0
    assert motcua(*control, "fault", "paper_near_end").returncode == 0
    near_end = motcua("hw", "printer-test", sim_process["pty"])
    assert near_end.returncode == 3 and "paper_near_end" in near_end.stdout


def test_printer_test_on_a_missing_port_says_so():
    result = motcua("hw", "printer-test", "/dev/does-not-exist")
    assert result.returncode == 1
    assert json.loads(result.stdout)["reason"] == "device_not_found"
    assert "/dev/does-not-exist" in result.stderr


def test_bench_print_reports_bytes_and_seconds_per_configuration():
    result = motcua("bench", "print", "--runs", "1", timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    configs = {(r["paper_mm"], r["profile"], r["text_mode"]) for r in report["results"]}
    assert {(80, "generic-80", "raster"), (58, "xprinter-58", "raster"), (80, "generic-80", "tcvn3"),
            (58, "generic-58", "cp1258")} <= configs
    for r in report["results"]:
        assert r["bytes"] > 0 and r["seconds"] > 0
        if r["text_mode"] == "raster":  # rasterised Vietnamese costs wire time at 115200 baud
            assert r["seconds"] >= r["bytes"] * 10 / 115200
    assert report["baud"] == 115200 and "met_by_native_qr_profiles" in report["target"]
