"""`motcua demo` as a process a test drives: start it, read its banner, stop it with a signal, and see
what it left behind (test helper; no product package imports bench)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

MOTCUA = Path(sys.executable).parent / "motcua"
BANNER_END = "Ctrl-C"  # the demo's last banner line says how to stop it


class DemoProcess:
    def __init__(self, var: Path, *args: str):
        self.cmd = [str(MOTCUA), "demo", "--var", str(var), "--port", "0", "--no-kiosk", *args]
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> str:
        """Start the demo (its own session, so everything it starts can be found) and return its banner."""
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if BANNER_END in line:
                break
        return "".join(lines)

    def stop(self, sig: int = signal.SIGINT, wait_s: float = 30) -> int | None:
        """Send `sig` and wait; a demo that does not stop is killed (returncode then shows it)."""
        self.proc.send_signal(sig)
        try:
            self.proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            pass
        if self.proc.poll() is None:
            self._kill_group()
            self.proc.wait(10)
            return None
        return self.proc.returncode

    def leftovers(self) -> list[str]:
        """Processes of the demo's session still running (then killed, so the next tests start clean)."""
        left = subprocess.run(["pgrep", "-s", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
        if left:
            self._kill_group()
        return left

    def _kill_group(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
