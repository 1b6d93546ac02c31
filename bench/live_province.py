"""A real `motcua province serve` subprocess on a PostgreSQL database, for tests, bench and demo.

    with TempPostgres() as pg:
        prov = LiveProvince(workdir, pg.dsn).start()
        key = prov.add_site("xa-a")

The port is chosen once and kept across restarts (a SIGKILLed province comes back where
the sites' proxies and configs point).
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

import httpx

from bench.live_server import MOTCUA
from bench.postgres import free_port


class LiveProvince:
    def __init__(self, workdir: Path, dsn: str, clock_start: str | None = None, max_inflight: int = 4,
                 port: int | None = None, extra_args: tuple[str, ...] = ()):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.dsn, self.clock_start, self.max_inflight = dsn, clock_start, max_inflight
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.extra_args = extra_args

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*MOTCUA, "province", *args, "--dsn", self.dsn], capture_output=True,
                              text=True, timeout=60)

    def add_key(self, role: str, name: str) -> str:
        done = self.cli(role, "add", name)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        return done.stdout.strip()

    def add_site(self, name: str) -> str:
        return self.add_key("site", name)

    def add_viewer(self, name: str = "viewer") -> str:
        return self.add_key("viewer", name)

    def start(self, timeout: float = 60) -> "LiveProvince":
        cmd = [*MOTCUA, "province", "serve", "--dsn", self.dsn, "--host", "127.0.0.1",
               "--port", str(self.port), "--max-inflight", str(self.max_inflight)]
        if self.clock_start:
            cmd += ["--clock-start", self.clock_start]
        cmd += list(self.extra_args)
        log = open(self.workdir / "province.log", "ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, cwd=self.workdir,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        out: list[str] = []
        reader = threading.Thread(target=lambda: out.append(self.proc.stdout.readline().decode().strip()),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        if not out or not out[0].startswith("motcua: serving on "):
            self.kill()
            raise RuntimeError(f"province did not start: {out!r}; log: "
                               f"{(self.workdir / 'province.log').read_text()[-2000:]}")
        threading.Thread(target=lambda s=self.proc.stdout: [None for _ in iter(lambda: s.read1(65536), b"")],
                         daemon=True).start()
        return self

    def get(self, path: str, key: str, **kw) -> httpx.Response:
        return httpx.get(self.base_url + path, headers={"Authorization": f"Bearer {key}"}, timeout=30, **kw)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: no shutdown, an open transaction is rolled back by PostgreSQL."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
