"""What every simulated device shares: a real pty, an optional TCP port, and a control API.

A device subclass implements ``feed(data)`` (bytes the driver wrote) and calls
``send(data)`` to answer. It exposes control commands as methods named
``control_<command>(**args) -> dict``; they are reachable in-process
(``device.control("put_item", board=0, lock=3)``) and over a small local HTTP API
(``POST /<command>`` with a JSON object body, ``GET /state``), which the
``motcua sim ... --control`` CLI uses.

The pty's slave end is kept open by the simulator and set to raw mode, so the
driver sees exactly the bytes sent (no echo, no CR/LF translation) and may
close and reopen the port as a real device allows.

Protocol: docs/protocols/ (each device's line settings).
"""
from __future__ import annotations

import json
import os
import select
import socket
import threading
import time
import tty
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


class SimDevice:
    name = "device"

    def __init__(
        self,
        *,
        tcp_port: int | None = None,
        control_port: int | None = None,
        baudrate: int | None = None,
        link: str | None = None,
    ):
        self.tcp_port_requested = tcp_port
        self.control_port_requested = control_port
        self.baudrate = baudrate  # emulate line speed when set (10 bits per byte, 8N1)
        self.link = link
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._reply_to: Callable[[bytes], None] | None = None
        self._tcp_server: socket.socket | None = None
        self._http: ThreadingHTTPServer | None = None
        self.master_fd = self.slave_fd = -1
        self.port_path = ""
        self.tcp_port: int | None = None
        self.control_url: str | None = None

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> "SimDevice":
        self.master_fd, self.slave_fd = os.openpty()
        tty.setraw(self.slave_fd)
        tty.setraw(self.master_fd)
        self.port_path = os.ttyname(self.slave_fd)
        if self.link:
            if os.path.lexists(self.link):
                os.unlink(self.link)
            os.symlink(self.port_path, self.link)
        self._spawn(self._pty_loop, "pty")
        if self.tcp_port_requested is not None:
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind(("127.0.0.1", self.tcp_port_requested))
            srv.listen(4)
            srv.settimeout(0.2)
            self._tcp_server = srv
            self.tcp_port = srv.getsockname()[1]
            self._spawn(self._tcp_loop, "tcp")
        if self.control_port_requested is not None:
            self._http = ThreadingHTTPServer(("127.0.0.1", self.control_port_requested), _handler_for(self))
            self._http.daemon_threads = True
            self.control_url = f"http://127.0.0.1:{self._http.server_address[1]}"
            self._spawn(self._http.serve_forever, "control")
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._tcp_server is not None:
            self._tcp_server.close()
        for t in self._threads:
            t.join(timeout=2)
        for fd in (self.master_fd, self.slave_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)

    def __enter__(self) -> "SimDevice":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def describe(self) -> dict[str, Any]:
        """What a user needs to connect: the pty path, TCP port and control URL."""
        return {"device": self.name, "pty": self.port_path, "link": self.link,
                "tcp_port": self.tcp_port, "control_url": self.control_url}

    # -- for subclasses -----------------------------------------------------
    def feed(self, data: bytes) -> None:
        """Bytes written by the driver. Runs on the I/O thread."""
        raise NotImplementedError

    def send(self, data: bytes) -> None:
        """Answer on whichever link (pty or TCP) last spoke to us."""
        reply = self._reply_to or self._write_pty
        reply(data)

    def state(self) -> dict[str, Any]:
        return {}

    def control(self, command: str, **args: Any) -> dict[str, Any]:
        method = getattr(self, f"control_{command}", None)
        if method is None:
            raise KeyError(f"unknown command {command!r}; known: {', '.join(self.control_commands())}")
        with self._lock:
            return method(**args) or {}

    def control_commands(self) -> list[str]:
        return sorted(
            n[len("control_"):] for n in dir(type(self))
            if n.startswith("control_") and n != "control_commands" and callable(getattr(type(self), n))
        )

    # -- I/O threads --------------------------------------------------------
    def _spawn(self, target: Callable[[], None], what: str) -> None:
        t = threading.Thread(target=target, name=f"sim-{self.name}-{what}", daemon=True)
        t.start()
        self._threads.append(t)

    def _write_pty(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.master_fd, view)
            except BlockingIOError:
                time.sleep(0.001)
                continue
            except OSError:
                return
            view = view[n:]

    def _pace(self, nbytes: int) -> None:
        if self.baudrate:
            time.sleep(nbytes * 10 / self.baudrate)

    def _deliver(self, data: bytes, reply: Callable[[bytes], None]) -> None:
        with self._lock:
            self._reply_to = reply
            self.feed(data)

    def _pty_loop(self) -> None:
        # Line-speed emulation reads in small chunks so the pty buffer fills
        # and the driver's writes really take the time the wire would.
        chunk = 64 if self.baudrate else 4096
        while not self._stop.is_set():
            r, _, _ = select.select([self.master_fd], [], [], 0.1)
            if not r:
                continue
            try:
                data = os.read(self.master_fd, chunk)
            except OSError:
                time.sleep(0.05)
                continue
            if data:
                self._pace(len(data))
                self._deliver(data, self._write_pty)

    def _tcp_loop(self) -> None:
        assert self._tcp_server is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._tcp_server.accept()
            except (socket.timeout, OSError):
                continue
            self._spawn(lambda c=conn: self._tcp_client(c), "tcp-client")

    def _tcp_client(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        chunk = 64 if self.baudrate else 4096

        def reply(data: bytes) -> None:
            try:
                conn.sendall(data)
            except OSError:
                pass

        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(chunk)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not data:
                    return
                self._pace(len(data))
                self._deliver(data, reply)


def _handler_for(device: SimDevice) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep the terminal for the device's own output
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            if self.path.rstrip("/") in ("", "/state"):
                with device._lock:
                    self._reply(200, {**device.describe(), "state": device.state(),
                                      "commands": device.control_commands()})
            else:
                self._reply(404, {"error": {"code": "not_found", "message": self.path}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                args = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(args, dict):
                    raise ValueError("body must be a JSON object")
                result = device.control(self.path.strip("/"), **args)
            except KeyError as exc:
                self._reply(404, {"error": {"code": "unknown_command", "message": str(exc)}})
            except (TypeError, ValueError) as exc:
                self._reply(400, {"error": {"code": "bad_arguments", "message": str(exc)}})
            else:
                self._reply(200, result)

    return Handler


def control_request(control_url: str, command: str, **args: Any) -> dict[str, Any]:
    """Send one control command to a running simulator (used by the CLI and tests)."""
    import urllib.request
    import urllib.error

    req = urllib.request.Request(
        f"{control_url.rstrip('/')}/{command}", data=json.dumps(args).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}")
        raise RuntimeError(body.get("error", {}).get("message", str(exc))) from None


def stop_requested() -> threading.Event:
    """SIGTERM sets the returned event. Installed BEFORE a simulator says it is ready: a supervisor
    that stops it right after the ready line must not kill it mid-way (exit -15, ports left open)."""
    import signal
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    return done


def run_until_stopped(stop: Callable[[], None], done: threading.Event) -> int:
    """Keep a simulator's process alive until Ctrl-C or SIGTERM (`stop_requested`), then `stop()` it
    (ports closed, state saved): the same for every `motcua sim` device."""
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return 0
