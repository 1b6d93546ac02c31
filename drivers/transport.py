"""Byte transports opened by URL, each with read and write timeouts.

``open_transport(url)`` picks a backend by the URL's scheme, the way pyserial's
URL handlers and python-can's interfaces do:

* ``serial:///dev/ttyUSB0?baudrate=19200`` or a plain path (``/dev/pts/7``) — a
  serial port or a pty, through pyserial;
* ``tcp://host:9100`` — a raw TCP socket (network printers, simulators);
* ``file:///path/to/out.bin`` — append-only file (printer output for debugging).

Backends fill in ``_open``, ``_write`` and ``_read``; the base class handles
timeouts, error translation and the device name used in every message.

Protocol: docs/protocols/ (each device's line settings).
"""
from __future__ import annotations

import os
import socket
import time
from urllib.parse import parse_qs, urlsplit

from drivers.errors import DeviceError, DeviceNotFound, DeviceTimeout

DEFAULT_TIMEOUT = 2.0


class Transport:
    """A byte pipe to one device. Not thread-safe: one owner at a time."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT, write_timeout: float | None = None):
        self.url = url
        self.timeout = timeout
        self.write_timeout = timeout if write_timeout is None else write_timeout
        self._open()

    # -- for backends ---------------------------------------------------
    def _open(self) -> None:
        raise NotImplementedError

    def _write(self, data: bytes) -> None:
        raise NotImplementedError

    def _read(self, size: int, timeout: float) -> bytes:
        """Return up to ``size`` bytes, or b"" when nothing came within ``timeout``."""
        raise NotImplementedError

    def _reset_input(self) -> None:
        while self._read(4096, 0.0):
            pass

    def close(self) -> None:
        pass

    # -- public ---------------------------------------------------------
    def write(self, data: bytes) -> None:
        try:
            self._write(data)
        except DeviceError:
            raise
        except (OSError, Exception) as exc:  # pyserial raises its own SerialException
            raise DeviceTimeout(self.url, f"write failed: {exc}") from exc

    def read(self, size: int = 1, timeout: float | None = None) -> bytes:
        """Up to ``size`` bytes; b"" on timeout (the caller decides what silence means)."""
        try:
            return self._read(size, self.timeout if timeout is None else timeout)
        except DeviceError:
            raise
        except (OSError, Exception) as exc:
            raise DeviceTimeout(self.url, f"read failed: {exc}") from exc

    def read_exactly(self, size: int, timeout: float | None = None) -> bytes:
        """Exactly ``size`` bytes or DeviceTimeout."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        buf = bytearray()
        while len(buf) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeviceTimeout(self.url, f"expected {size} bytes, got {len(buf)}")
            buf += self.read(size - len(buf), left)
        return bytes(buf)

    def line_seconds(self, nbytes: int) -> float:
        """How long ``nbytes`` take on the wire (0 where the link is not a serial line)."""
        return 0.0

    def reset_input(self) -> None:
        """Drop unread input (a late reply may belong to an earlier query)."""
        self._reset_input()

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


class SerialTransport(Transport):
    def _open(self) -> None:
        import serial

        parts = urlsplit(self.url)
        if parts.scheme == "serial":
            path = parts.path
            options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        else:
            path, options = self.url, {}
        self.path = path
        kwargs = {
            "baudrate": int(options.get("baudrate", 9600)),
            "bytesize": int(options.get("bytesize", 8)),
            "parity": options.get("parity", "N"),
            "stopbits": float(options.get("stopbits", 1)),
            "timeout": self.timeout,
            "write_timeout": self.write_timeout,
        }
        if kwargs["stopbits"] == int(kwargs["stopbits"]):
            kwargs["stopbits"] = int(kwargs["stopbits"])
        if not os.path.exists(path):
            raise DeviceNotFound(self.url, f"no such serial port {path}")
        try:
            self._port = serial.Serial(path, **kwargs)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceNotFound(self.url, f"cannot open serial port: {exc}") from exc

    def _write(self, data: bytes) -> None:
        import serial

        try:
            self._port.write(data)
            self._port.flush()
        except serial.SerialTimeoutException as exc:
            raise DeviceTimeout(self.url, f"write of {len(data)} bytes timed out after {self.write_timeout}s") from exc

    def _read(self, size: int, timeout: float) -> bytes:
        self._port.timeout = max(timeout, 0)
        return self._port.read(size) if timeout > 0 else self._port.read(min(size, self._port.in_waiting))

    def _reset_input(self) -> None:
        self._port.reset_input_buffer()

    def line_seconds(self, nbytes: int) -> float:
        # 8N1: ten bits a byte
        return nbytes * 10 / self._port.baudrate

    def close(self) -> None:
        port = getattr(self, "_port", None)
        if port is not None:
            port.close()


class TcpTransport(Transport):
    def _open(self) -> None:
        parts = urlsplit(self.url)
        if not parts.hostname or not parts.port:
            raise DeviceNotFound(self.url, "tcp URL needs host and port, e.g. tcp://127.0.0.1:9100")
        try:
            self._sock = socket.create_connection((parts.hostname, parts.port), timeout=self.timeout)
        except OSError as exc:
            raise DeviceNotFound(self.url, f"cannot connect: {exc}") from exc
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _write(self, data: bytes) -> None:
        self._sock.settimeout(self.write_timeout)
        try:
            self._sock.sendall(data)
        except socket.timeout as exc:
            raise DeviceTimeout(self.url, f"write of {len(data)} bytes timed out after {self.write_timeout}s") from exc

    def _read(self, size: int, timeout: float) -> bytes:
        self._sock.settimeout(max(timeout, 0.0) or 0.0)
        try:
            data = self._sock.recv(size)
        except (socket.timeout, BlockingIOError):
            return b""
        if not data:
            raise DeviceTimeout(self.url, "connection closed by device")
        return data

    def close(self) -> None:
        sock = getattr(self, "_sock", None)
        if sock is not None:
            sock.close()


class FileTransport(Transport):
    """Write-only: every write appends to the file; reads return nothing (status unknown)."""

    def _open(self) -> None:
        self.path = urlsplit(self.url).path
        directory = os.path.dirname(self.path) or "."
        if not os.path.isdir(directory):
            raise DeviceNotFound(self.url, f"no such directory {directory}")
        self._file = open(self.path, "ab")

    def _write(self, data: bytes) -> None:
        self._file.write(data)
        self._file.flush()

    def _read(self, size: int, timeout: float) -> bytes:
        return b""

    def close(self) -> None:
        self._file.close()


BACKENDS: dict[str, type[Transport]] = {
    "serial": SerialTransport,
    "tcp": TcpTransport,
    "file": FileTransport,
}


def open_transport(url: str, *, timeout: float = DEFAULT_TIMEOUT, write_timeout: float | None = None) -> Transport:
    """Open the device at ``url`` (see module doc). Raises DeviceNotFound."""
    scheme = urlsplit(url).scheme if "://" in url else ""
    if not scheme:
        return SerialTransport(url, timeout=timeout, write_timeout=write_timeout)
    try:
        backend = BACKENDS[scheme]
    except KeyError:
        raise DeviceNotFound(url, f"unknown URL scheme {scheme!r}; use serial://, tcp://, file:// or a port path") from None
    return backend(url, timeout=timeout, write_timeout=write_timeout)
