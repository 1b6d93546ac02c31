"""A real `motcua serve` subprocess on a temp database, for integration tests of every part.

    with start_server(tmp_path) as live:
        httpx.get(live.base_url + "/api/v1/services")
        httpx.post(..., headers=live.headers("officer"))
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

from bench.served import Served
from queue_server.config import DEFAULT_CONFIG

MONDAY_MORNING = "2026-11-23T08:00:00+07:00"
PASSWORD = "motcua-test-pass"
STAFF = {"officer": "officer1", "supervisor": "supervisor1", "admin": "admin1"}
MOTCUA = [sys.executable, "-c", "import sys; from queue_server.cli import main; sys.exit(main())"]


class LiveServer(Served):
    password = PASSWORD

    def __init__(self, workdir: Path, config_path: Path = DEFAULT_CONFIG,
                 clock_start: str | None = MONDAY_MORNING, open_all_hours: bool = False,
                 extra_args: tuple[str, ...] = (), command: tuple[str, ...] = ()):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.workdir / "motcua.sqlite"
        self.config_path = Path(config_path)
        self.clock_start, self.open_all_hours, self.extra_args = clock_start, open_all_hours, extra_args
        self.command = list(command) or [*MOTCUA, "serve"]   # or a harness taking serve's options
        self.proc = None
        self.base_url = ""
        self._tokens: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        self._seed()

    # -- accounts, made through the store functions the CLI uses
    def _seed(self) -> None:
        from queue_server.auth.accounts import add_device, add_user
        from queue_server.cli.serve import open_store
        store = open_store(self.db_path)
        try:
            for role, name in STAFF.items():
                add_user(store, name, role, PASSWORD)
            for role in ("kiosk", "display"):
                self._keys[role] = add_device(store, f"test-{role}", role)
        finally:
            store.close()

    def device_key(self, role: str) -> str:
        if role not in self._keys:
            from queue_server.auth.accounts import add_device
            from queue_server.cli.serve import open_store
            store = open_store(self.db_path)
            try:
                self._keys[role] = add_device(store, f"test-{role}", role)
            finally:
                store.close()
        return self._keys[role]

    def bank_key(self, kiosk: str = "result-1") -> str:
        """The key of a result kiosk: a device named like its locker bank (the only key the bank obeys)."""
        name = f"bank:{kiosk}"
        if name not in self._keys:
            from queue_server.auth.accounts import add_device
            from queue_server.cli.serve import open_store
            store = open_store(self.db_path)
            try:
                self._keys[name] = add_device(store, kiosk, "kiosk")
            finally:
                store.close()
        return self._keys[name]

    @property
    def kiosk_key(self) -> str:
        return self._keys["kiosk"]

    @property
    def display_key(self) -> str:
        return self._keys["display"]

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + "/api/v1/events"

    def token(self, role: str = "officer") -> str:
        if role not in self._tokens:
            r = httpx.post(self.base_url + "/api/v1/auth/login",
                           json={"username": STAFF[role], "password": PASSWORD}, timeout=30)
            r.raise_for_status()
            self._tokens[role] = r.json()["token"]
        return self._tokens[role]

    def headers(self, who: str = "officer") -> dict[str, str]:
        """Bearer header for a staff role ("officer"…), a device role ("kiosk", "display"…), or
        "bank": the result kiosk result-1, the only key its locker bank obeys."""
        if who == "bank":
            return {"Authorization": f"Bearer {self.bank_key()}"}
        secret = self.token(who) if who in STAFF else self.device_key(who)
        return {"Authorization": f"Bearer {secret}"}

    # -- process control
    def start(self, timeout: float = 60) -> "LiveServer":
        cmd = [*self.command, "--config", str(self.config_path), "--db", str(self.db_path),
               "--host", "127.0.0.1", "--port", "0"]
        if self.clock_start:
            cmd += ["--clock-start", self.clock_start]
        if self.open_all_hours:
            cmd += ["--open-all-hours"]
        cmd += list(self.extra_args)
        self.log_path = self.workdir / "server.log"
        self.base_url = self._spawn(cmd, self.log_path, timeout, "server", stdout_to=self.workdir / "server.stdout")
        self._tokens.clear()  # sessions survive restarts, but a new port is simplest with fresh ones
        return self

    def restart(self) -> "LiveServer":
        self.stop()
        return self.start()


@contextmanager
def start_server(workdir: Path, **kw) -> Iterator[LiveServer]:
    live = LiveServer(workdir, **kw).start()
    try:
        yield live
    finally:
        live.stop()
