"""Incremental ESC/POS parser: bytes in, events out, never a crash.

Written from the protocol document (docs/protocols/ticket-printer.md),
independently of ``drivers``. ``feed()`` takes any chunking of the stream; a
command split across chunks waits for its remaining bytes. Each event is a tuple
``(kind, *args)`` passed to the callback:

    ("text", bytes)            printable bytes (decoded by the paper, per code page)
    ("lf",) ("reset",) ("cancel_kanji",)
    ("mode", n) ("bold", n) ("underline", n) ("font", n) ("align", n) ("size", n)
    ("codepage", n) ("feed_lines", n) ("feed_dots", n)
    ("raster", width_bytes, height, data)          GS v 0, GS ( L / GS 8 L fn 112 + fn 50
    ("columns", mode, width, data)                  ESC *
    ("qr", fn, data)                                 GS ( k cn=49 (QR) functions
    ("cut", m, n)
    ("realtime_status", n)                           DLE EOT n (answer at once)
    ("sensor_status", n)                             GS r n
    ("unknown", bytes, why)                          skipped, reported

Memory is bounded: payloads larger than the limits below are consumed in
chunks and dropped (reported as "unknown"), so a hostile length field cannot
make the simulator allocate gigabytes.
"""
from __future__ import annotations

from typing import Callable, Generator

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
MAX_IMAGE_BYTES = 512 * 1024  # one stored image (an 80 mm head is 72 bytes per row)
MAX_QR_BYTES = 8 * 1024  # a QR symbol holds at most 7089 characters
SKIP_CHUNK = 4096

# ESC x with a fixed number of parameter bytes (commands we only need to skip)
ESC_FIXED = {0x20: 1, 0x24: 2, 0x25: 1, 0x32: 0, 0x33: 1, 0x3D: 1, 0x3F: 1, 0x47: 1, 0x4C: 0, 0x52: 1,
             0x53: 0, 0x54: 1, 0x55: 1, 0x56: 1, 0x57: 8, 0x5C: 2, 0x63: 2, 0x65: 1, 0x69: 0, 0x6D: 0,
             0x70: 3, 0x72: 1, 0x7B: 1}
GS_FIXED = {0x24: 2, 0x2F: 1, 0x3A: 0, 0x42: 1, 0x45: 1, 0x48: 1, 0x49: 1, 0x4C: 2, 0x50: 2, 0x54: 1,
            0x57: 2, 0x5C: 2, 0x5E: 3, 0x61: 1, 0x62: 1, 0x66: 1, 0x68: 1, 0x77: 1}
FS_FIXED = {0x21: 1, 0x26: 0, 0x2D: 1, 0x2E: 0, 0x43: 1, 0x53: 2, 0x57: 1, 0x70: 2}
STYLE = {0x21: "mode", 0x45: "bold", 0x2D: "underline", 0x4D: "font", 0x61: "align", 0x74: "codepage",
         0x64: "feed_lines", 0x4A: "feed_dots"}

Event = tuple
Parser = Generator[int, bytes, None]


class EscPosParser:
    def __init__(self, on_event: Callable[..., None]):
        self.on_event = on_event
        self._buf = bytearray()
        self._gen = self._run()
        self._need = next(self._gen)
        self.bytes_seen = 0

    def feed(self, data: bytes) -> None:
        self.bytes_seen += len(data)
        self._buf += data
        pos = 0
        while len(self._buf) - pos >= self._need:
            chunk = bytes(self._buf[pos:pos + self._need])
            pos += self._need
            self._need = self._gen.send(chunk)
        del self._buf[:pos]

    @property
    def pending(self) -> int:
        """Bytes waiting for the rest of a command (bounded by the limits above)."""
        return len(self._buf)

    # -- the grammar, as a coroutine asking for n bytes at a time ----------
    def _run(self) -> Parser:
        emit = self.on_event
        text = bytearray()
        while True:
            b = (yield 1)[0]
            if b >= 0x20 and b != 0x7F:
                text.append(b)
                # flush text at command boundaries only; bounded by the paper's wrap anyway
                if len(text) < 512:
                    continue
            if text:
                emit("text", bytes(text))
                text.clear()
                if b >= 0x20 and b != 0x7F:
                    continue
            if b == 0x0A:
                emit("lf")
            elif b in (0x0D, 0x09, 0x00, 0x7F, 0x0C):
                pass  # CR, HT, NUL, DEL, FF: no effect on a roll printer in standard mode
            elif b == ESC:
                yield from self._esc()
            elif b == GS:
                yield from self._gs()
            elif b == FS:
                yield from self._fs()
            elif b == DLE:
                yield from self._dle()
            else:
                emit("unknown", bytes([b]), "control byte")

    def _esc(self) -> Parser:
        c = (yield 1)[0]
        if c == 0x40:
            self.on_event("reset")
        elif c in STYLE:
            self.on_event(STYLE[c], (yield 1)[0])
        elif c == 0x2A:  # ESC * m nL nH d1..dk
            m, nl, nh = (yield 3)
            width = nl + 256 * nh
            per_col = 3 if m in (32, 33) else 1
            size = width * per_col
            data = yield from self._payload(size, MAX_IMAGE_BYTES, b"\x1b*")
            if data is not None:
                self.on_event("columns", m, width, data)
        elif c == 0x44:  # ESC D tab stops, NUL-terminated, at most 32
            for _ in range(33):
                if (yield 1)[0] == 0:
                    break
        elif c == 0x26:  # ESC & y c1 c2 [x d1..d(y*x)]...: user-defined characters
            y, c1, c2 = (yield 3)
            for _ in range(max(0, c2 - c1 + 1)):
                x = (yield 1)[0]
                yield from self._payload(y * x, 0, b"\x1b&")
            self.on_event("unknown", b"\x1b&", "user-defined characters ignored")
        elif c in ESC_FIXED:
            args = (yield ESC_FIXED[c]) if ESC_FIXED[c] else b""
            self.on_event("unknown", bytes([ESC, c]) + args, "not rendered")
        else:
            self.on_event("unknown", bytes([ESC, c]), "unknown ESC command")

    def _gs(self) -> Parser:
        c = (yield 1)[0]
        emit = self.on_event
        if c == 0x21:
            emit("size", (yield 1)[0])
        elif c == 0x76:  # GS v 0 m xL xH yL yH data
            head = yield 6
            if head[0] != 0x30:
                emit("unknown", bytes([GS, c]) + head, "GS v without '0'")
                return
            wb, h = head[2] + 256 * head[3], head[4] + 256 * head[5]
            data = yield from self._payload(wb * h, MAX_IMAGE_BYTES, b"\x1dv0")
            if data is not None:
                emit("raster", wb, h, data)
        elif c == 0x28:  # GS ( X pL pH ...: declared length
            fn_class = (yield 1)[0]
            pl, ph = (yield 2)
            size = pl + 256 * ph
            limit = MAX_QR_BYTES if fn_class == 0x6B else MAX_IMAGE_BYTES
            body = yield from self._payload(size, limit, bytes([GS, 0x28, fn_class]))
            if body is not None:
                self._gs_paren(fn_class, body)
        elif c == 0x38:  # GS 8 X p1..p4: 4-byte declared length
            fn_class = (yield 1)[0]
            p = yield 4
            size = p[0] + (p[1] << 8) + (p[2] << 16) + (p[3] << 24)
            body = yield from self._payload(size, MAX_IMAGE_BYTES, bytes([GS, 0x38, fn_class]))
            if body is not None and fn_class == 0x4C:
                self._gs_paren(0x4C, body)
        elif c == 0x56:  # GS V m [n]
            m = (yield 1)[0]
            n = (yield 1)[0] if m in (0x41, 0x42, 0x61, 0x62, 0x67, 0x68) else 0
            emit("cut", m, n)
        elif c == 0x72:
            emit("sensor_status", (yield 1)[0])
        elif c == 0x6B:  # GS k m ...: barcode
            m = (yield 1)[0]
            if m <= 6:
                for _ in range(256):
                    if (yield 1)[0] == 0:
                        break
            else:
                n = (yield 1)[0]
                yield from self._payload(n, 0, b"\x1dk")
            emit("unknown", bytes([GS, c, m]), "barcode not rendered")
        elif c == 0x2A:  # GS * x y d1..d(x*y*8): downloaded bit image
            x, y = (yield 2)
            yield from self._payload(x * y * 8, 0, b"\x1d*")
            emit("unknown", b"\x1d*", "downloaded bit image ignored")
        elif c in GS_FIXED:
            args = (yield GS_FIXED[c]) if GS_FIXED[c] else b""
            emit("unknown", bytes([GS, c]) + args, "not rendered")
        else:
            emit("unknown", bytes([GS, c]), "unknown GS command")

    def _gs_paren(self, fn_class: int, body: bytes) -> None:
        emit = self.on_event
        if fn_class == 0x6B and len(body) >= 2 and body[0] == 0x31:  # cn 49 = QR
            fn = body[1]
            emit("qr", fn, body[3:] if fn == 0x50 else body[2:])
        elif fn_class == 0x4C and len(body) >= 2 and body[0] == 0x30:
            fn = body[1]
            if fn == 0x70 and len(body) >= 10:  # store raster graphics: m fn a bx by c xL xH yL yH data
                width, height = body[6] + 256 * body[7], body[8] + 256 * body[9]
                wb = (width + 7) // 8
                data = body[10:]
                if height and len(data) >= wb * height:
                    emit("graphics_store", wb, height, data[: wb * height])
                    return
                emit("unknown", bytes([GS, 0x28, fn_class, fn]), "bad graphics data size")
            elif fn == 0x32:
                emit("graphics_print")
            else:
                emit("unknown", bytes([GS, 0x28, fn_class, fn]), "graphics function not rendered")
        else:
            emit("unknown", bytes([GS, 0x28, fn_class]) + body[:2], "GS ( function not rendered")

    def _fs(self) -> Parser:
        c = (yield 1)[0]
        if c == 0x2E:
            self.on_event("cancel_kanji")
        elif c in FS_FIXED:
            args = (yield FS_FIXED[c]) if FS_FIXED[c] else b""
            self.on_event("unknown", bytes([FS, c]) + args, "not rendered")
        else:
            self.on_event("unknown", bytes([FS, c]), "unknown FS command")

    def _dle(self) -> Parser:
        c = (yield 1)[0]
        if c == 0x04:
            self.on_event("realtime_status", (yield 1)[0])
        elif c == 0x05:
            self.on_event("unknown", bytes([DLE, c]) + (yield 1), "real-time request ignored")
        elif c == 0x14:
            fn = (yield 1)[0]
            self.on_event("unknown", bytes([DLE, c, fn]) + (yield 7 if fn == 8 else 2), "DLE DC4 ignored")
        else:
            self.on_event("unknown", bytes([DLE, c]), "unknown DLE command")

    def _payload(self, size: int, limit: int, what: bytes) -> Generator[int, bytes, bytes | None]:
        """Read ``size`` bytes; above ``limit`` consume them in chunks and return None."""
        if size <= limit:
            return (yield size) if size else b""
        left = size
        while left:
            got = yield min(left, SKIP_CHUNK)
            left -= len(got)
        if limit:
            self.on_event("unknown", what, f"payload of {size} bytes over the {limit}-byte limit dropped")
        return None
