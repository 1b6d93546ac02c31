"""A serial-mode QR/barcode scanner behind a real pty (and optionally TCP).

Written from the device's side of docs/protocols/scanner.md, independently
of ``drivers``: every decoded code goes out as UTF-8 bytes plus the configured
suffix (CR or CR LF). The scanner also answers the trigger and menu commands a
host may send (Honeywell ``SYN T CR`` / ``SYN U CR`` / ``SYN M CR ... .|!``,
Newland ``~ SOH 0000 #SCNTRG1 ; ETX``) and, for tests and demos, lets a control
client inject line faults: noise, split frames, over-long frames, invalid UTF-8,
and unplugging the cable.
"""
from __future__ import annotations

import fcntl
import os
import random
import re
import socket
import termios
import time
import tty
from typing import Any

from hardware_sim.base import SimDevice

SYN, CR, ACK, NAK, STX, SOH, ETX = 0x16, 0x0D, 0x06, 0x15, 0x02, 0x01, 0x03
SUFFIX_BYTES = {"cr": b"\r", "crlf": b"\r\n"}
MAX_COMMAND = 256  # a host command longer than this is garbage
SEND_TIMEOUT = 2.0  # s; a code nobody reads is lost, as on a real line
HONEYWELL_MENU = re.compile(rb"[A-Z0-9]{6}[\x20-\x2b\x2d\x2f-\x3a\x3c-\x7e]*")  # tag+subtag+data, no , ; .
NEWLAND_COMMAND = re.compile(rb"[A-Z]{3}[A-Z0-9]{3,}[\x20-\x3a\x3c-\x7e]*")


def _nonblocking(fd: int) -> None:
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)


class ScannerSim(SimDevice):
    name = "scanner"

    def __init__(self, *, suffix: str = "cr", **kwargs: Any):
        super().__init__(**kwargs)
        if suffix not in SUFFIX_BYTES:
            raise ValueError(f"suffix must be one of {', '.join(SUFFIX_BYTES)}")
        self.suffix_name = suffix
        self.suffix = SUFFIX_BYTES[suffix]
        self._cmd = bytearray()
        self._tcp_conns: set[socket.socket] = set()
        self.plugged = True
        self.triggered = False
        self.held: str | None = None  # a code in front of the scanner, read on the next trigger
        self.settings: dict[str, str] = {}
        self.counts = {"codes": 0, "bytes_sent": 0, "commands": 0, "acks": 0, "naks": 0,
                       "garbage_in": 0, "lost": 0}

    def start(self) -> "ScannerSim":
        super().start()
        _nonblocking(self.master_fd)
        return self

    # -- bytes from the host -----------------------------------------------
    def feed(self, data: bytes) -> None:
        self._cmd += data
        while self._cmd:
            if self._cmd[0] == SYN:
                if not self._honeywell():
                    break
            elif self._cmd[0] == ord("~"):
                if not self._newland():
                    break
            else:
                del self._cmd[:1]
                self.counts["garbage_in"] += 1
        if len(self._cmd) > MAX_COMMAND:
            self._cmd.clear()
            self._answer(bytes([NAK]))

    def _honeywell(self) -> bool:
        buf = self._cmd
        if len(buf) < 3:
            return False
        kind = bytes(buf[1:3])
        if kind in (b"T\r", b"U\r"):
            del buf[:3]
            self.counts["commands"] += 1
            self.triggered = kind == b"T\r"
            self._answer(bytes([ACK]))
            if self.triggered and self.held is not None:
                self._send_code(self.held)
                self.held = None
            return True
        if kind != b"M\r":
            del buf[:1]
            self.counts["garbage_in"] += 1
            return True
        end = next((i for i in range(3, len(buf)) if buf[i] in b".!"), -1)
        if end < 0:
            return False
        body, terminator = bytes(buf[3:end]), bytes(buf[end:end + 1])
        del buf[: end + 1]
        self.counts["commands"] += 1
        # Honeywell echoes each command with ACK (or NAK) before its separator.
        parts = re.split(rb"([,;])", body)
        reply = bytearray()
        for part in parts:
            if part in (b",", b";"):
                reply += part
                continue
            ok = bool(HONEYWELL_MENU.fullmatch(part))
            if ok and terminator == b".":
                self.settings[part[:6].decode()] = part[6:].decode()
            reply += part + bytes([ACK if ok else NAK])
        self._answer(bytes(reply) + terminator)
        return True

    def _newland(self) -> bool:
        buf = self._cmd
        if len(buf) < 2:
            return False
        if buf[1] != SOH:
            del buf[:1]
            self.counts["garbage_in"] += 1
            return True
        end = buf.find(bytes([ETX]))
        if end < 0:
            return False
        body = bytes(buf[2:end])
        del buf[: end + 1]
        self.counts["commands"] += 1
        m = re.fullmatch(rb"(\d{4})([#@])(.*);", body, re.S)
        ok = bool(m and NEWLAND_COMMAND.fullmatch(m.group(3)))
        storage, tag, command = (m.group(1), m.group(2), m.group(3)) if m else (b"0000", b"#", b"")
        if ok and command.startswith(b"SCNTRG"):
            self.triggered = command == b"SCNTRG1"
        # Newland answers STX SOH, the echoed command, ACK/NAK, ';' ETX.
        self._answer(bytes([STX, SOH]) + storage + tag + command + bytes([ACK if ok else NAK]) + b";" + bytes([ETX]))
        if ok and self.triggered and self.held is not None:
            self._send_code(self.held)
            self.held = None
        return True

    def _answer(self, data: bytes) -> None:
        self.counts["acks" if data[-1:] != bytes([NAK]) and NAK not in data else "naks"] += 1
        self.send(data)

    # -- bytes to the host ---------------------------------------------------
    def send(self, data: bytes) -> None:
        """Replies and codes go to every link: the pty and each TCP client."""
        self._emit(data)

    def _emit(self, data: bytes) -> None:
        chunk = 64 if self.baudrate else len(data) or 1
        for i in range(0, len(data), chunk):
            piece = data[i:i + chunk]
            self._pace(len(piece))
            sent = self._write_pty_bounded(piece) if self.plugged else False
            for conn in list(self._tcp_conns):
                try:
                    conn.sendall(piece)
                    sent = True
                except OSError:
                    self._tcp_conns.discard(conn)
            if sent:
                self.counts["bytes_sent"] += len(piece)
            else:
                self.counts["lost"] += len(piece)

    def _write_pty_bounded(self, data: bytes) -> bool:
        deadline = time.monotonic() + SEND_TIMEOUT
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.master_fd, view)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False  # nobody is reading the port
                time.sleep(0.002)
                continue
            except OSError:
                return False
            view = view[n:]
        return True

    def _send_code(self, text: str, suffix: bytes | None = None) -> None:
        self.counts["codes"] += 1
        self._emit(text.encode("utf-8") + (self.suffix if suffix is None else suffix))

    def _tcp_client(self, conn: socket.socket) -> None:
        self._tcp_conns.add(conn)
        try:
            super()._tcp_client(conn)
        finally:
            self._tcp_conns.discard(conn)

    # -- control API ----------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"suffix": self.suffix_name, "plugged": self.plugged, "triggered": self.triggered,
                "holding": self.held is not None, "tcp_clients": len(self._tcp_conns), "settings": dict(self.settings), **self.counts}

    def control_scan(self, text: str, count: int = 1, rate: float | None = None,
                     suffix: str | None = None) -> dict[str, Any]:
        """Send ``text`` + suffix ``count`` times, ``rate`` codes per second (as fast as possible if unset)."""
        if not isinstance(text, str):
            raise ValueError("text must be a string")
        if not 1 <= int(count) <= 1000:
            raise ValueError("count must be 1..1000")
        end = self.suffix if suffix is None else _suffix_arg(suffix)
        for i in range(int(count)):
            if i and rate:
                time.sleep(1.0 / float(rate))
            self._send_code(text, end)
        return {"sent": int(count), "bytes": len(text.encode()) + len(end)}

    def control_hold(self, text: str) -> dict[str, Any]:
        """Put a code in front of the scanner; it is read on the next trigger command."""
        self.held = text
        return {"holding": True}

    def control_noise(self, length: int = 16, seed: int | None = None, terminate: bool = False) -> dict[str, Any]:
        """Random line noise (never CR or LF, so it stays one partial frame unless ``terminate``)."""
        rng = random.Random(seed)
        noise = bytes(rng.choice([b for b in range(256) if b not in (0x0A, 0x0D)]) for _ in range(int(length)))
        self._emit(noise + (self.suffix if terminate else b""))
        return {"bytes": len(noise), "terminated": bool(terminate)}

    def control_partial(self, text: str, parts: int = 3, gap: float = 0.05) -> dict[str, Any]:
        """Send one code split into ``parts`` writes ``gap`` seconds apart (suffix split too)."""
        data = text.encode("utf-8") + self.suffix
        parts = max(1, min(int(parts), len(data)))
        cuts = [round(i * len(data) / parts) for i in range(parts + 1)]
        if self.suffix == b"\r\n" and parts > 1:
            cuts[-2] = len(data) - 1  # split between CR and LF: the hard case for a driver
        for i in range(parts):
            if i:
                time.sleep(float(gap))
            self._emit(data[cuts[i]:cuts[i + 1]])
        self.counts["codes"] += 1
        return {"parts": parts, "bytes": len(data)}

    def control_overlong(self, length: int = 5000, then: str | None = None) -> dict[str, Any]:
        """A frame of ``length`` bytes plus suffix (and optionally a normal code right after)."""
        self._emit(b"X" * int(length) + self.suffix)
        if then is not None:
            self._send_code(then)
        return {"bytes": int(length)}

    def control_invalid_utf8(self, text: str = "ABC", then: str | None = None) -> dict[str, Any]:
        """``text`` with a lone continuation byte and a truncated sequence, plus suffix."""
        raw = text.encode("utf-8")
        self._emit(raw[:1] + b"\x80" + raw[1:] + b"\xe1\xba" + self.suffix)
        if then is not None:
            self._send_code(then)
        return {"bytes": len(raw) + 3}

    def control_raw(self, hex: str) -> dict[str, Any]:
        """Any bytes, given as hex (spaces allowed)."""
        data = bytes.fromhex(hex)
        self._emit(data)
        return {"bytes": len(data)}

    def control_unplug(self) -> dict[str, Any]:
        """Pull the cable: the port (and its link) disappears until ``replug``."""
        if not self.plugged:
            return {"plugged": False}
        self.plugged = False
        old = (self.master_fd, self.slave_fd)
        # Park the I/O thread on a spare pty so it never selects a closed descriptor.
        self.master_fd, self.slave_fd = self._new_pty()
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)
        for fd in old:
            try:
                os.close(fd)
            except OSError:
                pass
        for conn in list(self._tcp_conns):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return {"plugged": False}

    def control_replug(self) -> dict[str, Any]:
        """Plug back in: a fresh port (new pty path; the ``link`` points to it)."""
        if self.plugged:
            return {"plugged": True, "pty": self.port_path}
        spare = (self.master_fd, self.slave_fd)
        self.master_fd, self.slave_fd = self._new_pty()
        self.port_path = os.ttyname(self.slave_fd)
        if self.link:
            if os.path.lexists(self.link):
                os.unlink(self.link)
            os.symlink(self.port_path, self.link)
        for fd in spare:
            os.close(fd)
        self.plugged = True
        return {"plugged": True, "pty": self.port_path}

    @staticmethod
    def _new_pty() -> tuple[int, int]:
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        termios.tcflush(slave, termios.TCIOFLUSH)
        _nonblocking(master)
        return master, slave


def _suffix_arg(suffix: str) -> bytes:
    if suffix in SUFFIX_BYTES:
        return SUFFIX_BYTES[suffix]
    if suffix == "none":
        return b""
    raise ValueError("suffix must be cr, crlf or none")
