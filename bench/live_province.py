"""A real `motcua province serve` subprocess on a PostgreSQL database, for tests, bench and demo.

    with TempPostgres() as pg:
        prov = LiveProvince(workdir, pg.dsn).start()
        key = prov.add_site("xa-a")

The port is chosen once and kept across restarts (a SIGKILLed province comes back where
the sites' proxies and configs point).
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from bench.live_server import MOTCUA
from bench.postgres import free_port
from bench.served import Served


class LiveProvince(Served):
    def __init__(self, workdir: Path, dsn: str, clock_start: str | None = None, max_inflight: int = 4,
                 port: int | None = None, extra_args: tuple[str, ...] = ()):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.dsn, self.clock_start, self.max_inflight = dsn, clock_start, max_inflight
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc = None
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
        self._spawn(cmd, self.workdir / "province.log", timeout, "province")
        return self

    def get(self, path: str, key: str, **kw) -> httpx.Response:
        return httpx.get(self.base_url + path, headers={"Authorization": f"Bearer {key}"}, timeout=30, **kw)
