"""Kiosk test fixtures: a private Xvfb display, a flow runner, a network relay we can cut.

UI flows run in a subprocess each (Kivy allows one Window per process); the
display is per pytest worker, numbered by Xvfb itself (-displayfd), so xdist
workers never collide.
"""
from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("ui_driver.py")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def xdisplay(tmp_path_factory):
    # -noreset: by default an X server resets when its last client leaves, and a kiosk process
    # connecting during that reset gets "X connection broken" (flows run one process each).
    r, w = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1920x1920x24", "-nolisten", "tcp", "-noreset"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    ready, _, _ = select.select([r], [], [], 20)
    assert ready, "Xvfb did not start"
    number = os.read(r, 16).decode().strip()
    os.close(r)
    yield f":{number}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def run_flow(xdisplay, tmp_path):
    """run_flow(config: dict, steps: list, shots=dir) -> report dict (raises on a failed step)."""
    def run(config: dict, steps: list, *, shots: Path | None = None, timeout: float = 90) -> dict:
        spec = {"config": {"fullscreen": False, **config}, "steps": steps,
                "shots": str(shots or tmp_path / "shots"), "timeout": timeout}
        spec_path = tmp_path / "spec.json"
        result_path = tmp_path / "result.json"
        spec_path.write_text(json.dumps(spec))
        env = {**os.environ, "DISPLAY": xdisplay, "KIVY_HOME": str(tmp_path / "kivy"),
               "KIVY_NO_CONSOLELOG": "1", "KIVY_LOG_MODE": "PYTHON"}
        proc = subprocess.run([sys.executable, str(DRIVER), str(spec_path), str(result_path)], env=env,
                              capture_output=True, text=True, timeout=timeout + 30, cwd=tmp_path)
        assert result_path.exists(), f"driver crashed:\n{proc.stderr[-4000:]}"
        report = json.loads(result_path.read_text())
        assert report["error"] is None, f"{report['error']}\nsteps: {report['events']}\n{proc.stderr[-3000:]}"
        return report
    return run


class Relay:
    """A real TCP relay between kiosk and server; `up = False` cuts the line (connections reset)."""

    def __init__(self, target_port: int, flag: Path):
        self.target = ("127.0.0.1", target_port)
        self.flag = flag          # the line is cut while this file exists (a UI flow can touch it)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def up(self) -> bool:
        return not self.flag.exists()

    @up.setter
    def up(self, value: bool) -> None:
        if value:
            self.flag.unlink(missing_ok=True)
        else:
            self.flag.touch()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            if not self.up:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while self.up and (data := a.recv(65536)):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def relay_to(tmp_path):
    made = []

    def make(port: int) -> Relay:
        made.append(Relay(port, tmp_path / f"line-cut-{len(made)}"))
        return made[-1]
    yield make
    for r in made:
        r.close()
