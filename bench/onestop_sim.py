"""A real `motcua sim onestop` process for tests, benchmarks and the demo.

    with start_onestop(per_day=0, seed=7) as sim:
        sim.control("generate", count=300)
        sim.source_url   # onestop+http://127.0.0.1:PORT, for [integrations] source
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import httpx

MOTCUA = [sys.executable, "-c", "import sys; from queue_server.cli import main; sys.exit(main())"]


class OneStopSim:
    def __init__(self, per_day: float = 0, speed: float = 1, seed: int | None = 7, history: int = 0,
                 key: str = "", clock_start: str | None = None, port: int = 0):
        self.args = ["--port", str(port), "--per-day", str(per_day), "--speed", str(speed), "--history", str(history)]
        if seed is not None:
            self.args += ["--seed", str(seed)]
        if key:
            self.args += ["--key", key]
        if clock_start:
            self.args += ["--clock-start", clock_start]
        self.proc: subprocess.Popen | None = None
        self.url = self.source_url = ""
        self.http = httpx.Client(timeout=30)

    def start(self, timeout: float = 30) -> "OneStopSim":
        self.proc = subprocess.Popen([*MOTCUA, "sim", "onestop", *self.args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        out: list[bytes] = []
        reader = threading.Thread(target=lambda: out.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not out or not out[0].startswith(b"{"):
            self.stop()
            raise RuntimeError(f"onestop simulator did not start: {out!r}")
        info = json.loads(out[0])
        self.url, self.source_url = info["url"], info["source_url"]
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def control(self, what: str, **body: Any) -> Any:
        r = self.http.post(f"{self.url}/control/{what}", json=body)
        r.raise_for_status()
        return r.json()

    def faults(self, **faults: Any) -> dict:
        return self.control("faults", **faults)

    def clear_faults(self) -> dict:
        return self.control("faults/clear")

    def create(self, **fields: Any) -> dict:
        return self.control("dossiers", **fields)

    def set_status(self, code: str, status: int, **kw: Any) -> dict:
        return self.control(f"dossiers/{code}/status", status=status, **kw)

    def state(self) -> dict:
        return self.http.get(f"{self.url}/control/state").json()

    def statuses(self) -> dict[str, tuple[int, str]]:
        return {d["code"]: (d["status"], d["status_at"]) for d in self.http.get(f"{self.url}/control/dossiers").json()}

    def dossier(self, code: str) -> dict:
        return self.http.get(f"{self.url}/api/dossiers/{code}").json()


@contextmanager
def start_onestop(**kw: Any) -> Iterator[OneStopSim]:
    sim = OneStopSim(**kw).start()
    try:
        yield sim
    finally:
        sim.stop()
