"""Process control shared by the live test servers (LiveServer, LiveProvince): start a `motcua …
serve` subprocess, wait for its "motcua: serving on URL" line, keep draining its stdout (a full
pipe would block the server on its next print), stop it with SIGTERM (SIGKILL after 15 s) or
kill it outright (the crash case)."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

SERVING = "motcua: serving on "


class Served:
    workdir: Path
    proc: subprocess.Popen | None = None

    def _spawn(self, cmd: list[str], log_path: Path, timeout: float, what: str,
               stdout_to: Path | None = None) -> str:
        """Start `cmd` (stderr appended to `log_path`) and return the URL it serves on, or raise
        with the end of its log; its later stdout goes to `stdout_to` (or nowhere)."""
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, cwd=self.workdir,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
        line = self._readline(timeout)
        if not line.startswith(SERVING):
            self.kill()
            raise RuntimeError(f"{what} did not start: {line!r}; log: {log_path.read_text()[-2000:]}")
        threading.Thread(target=self._drain, args=(self.proc.stdout, stdout_to), daemon=True).start()
        return line.split()[-1]

    @staticmethod
    def _drain(stream, to: Path | None = None) -> None:
        if to is None:
            for _ in iter(lambda: stream.read1(65536), b""):
                pass
            return
        with open(to, "ab") as out:
            for chunk in iter(lambda: stream.read1(65536), b""):
                out.write(chunk)

    def _readline(self, timeout: float) -> str:
        out: list[str] = []
        reader = threading.Thread(target=lambda: out.append(self.proc.stdout.readline().decode().strip()),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        return out[0] if out else ""

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
        """SIGKILL: no shutdown hooks, no flush (an open PostgreSQL transaction is rolled back)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
