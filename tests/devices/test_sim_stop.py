"""Every `motcua sim DEVICE` is stopped the same way by a supervisor (systemd, the demo): SIGTERM runs
its stop (ports closed, state saved) and it exits 0. (The scanner simulator used to die by the signal,
exit -15, without closing anything.)"""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

MOTCUA = str(Path(sys.executable).parent / "motcua")
DEVICES = {"printer": ["--tcp-port", "0", "--control-port", "0"],
           "scanner": ["--tcp-port", "0", "--control-port", "0"],
           "locker": ["--boards", "0", "--control-port", "0"],
           "onestop": ["--port", "0"]}


@pytest.mark.parametrize("device", sorted(DEVICES))
def test_sigterm_stops_a_simulator_cleanly(device, tmp_path):
    args = [MOTCUA, "sim", device, *DEVICES[device]]
    args += {"locker": ["--state", str(tmp_path / "bank.json")], "printer": ["--out", str(tmp_path)]}.get(device, [])
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        while line and not line.startswith("{"):   # the simulator says where it listens (JSON), then serves
            line = proc.stdout.readline()
        info = json.loads(line)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    port = info.get("tcp_port")
    if port:   # its TCP port was closed by stop(), not left to the kernel's clean-up of a killed process
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
