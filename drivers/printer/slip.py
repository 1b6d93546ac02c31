"""A slip builder: lines of text, key/value rows, big numbers, QR codes, cut.

Bytes are built with python-escpos's ``Dummy`` printer (commands only; we own
the transport). Each piece of text goes the cheapest way that prints it right:

* plain ASCII -> the printer's own font (a few bytes per line);
* anything else -> ``text_mode``: "raster" (Pillow + shipped TTF, drawn at its
  real height, cropped to its ink), or the printer's TCVN-3 / CP1258 code page.

Styles are tracked so a command is only sent when it changes. The first bytes
are always ``ESC @`` and an explicit code page (printers keep the last one).

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

import logging

from escpos.printer import Dummy
from PIL import Image

from drivers.printer import raster as escpos_raster
from drivers.printer.text import encode_cp1258, encode_tcvn3, is_plain_ascii
from drivers.printer.profiles import PrinterProfile, get_profile

log = logging.getLogger(__name__)

ALIGN = {"left": 0, "center": 1, "right": 2}
FONT_A_DOTS = (12, 24)  # printer font A cell, width x height
RASTER_GAP = 6  # dots fed after a raster text line (native lines have 30-dot pitch)
QR_EC = {"L": 0, "M": 1, "Q": 2, "H": 3}
CUT = {"PART": b"\x1dV\x01", "FULL": b"\x1dV\x00"}
QR_QUIET_DOTS = 16  # blank paper above and below a raster QR code
CUT_FEED_LINES = 4  # head-to-cutter distance on common kiosk mechanisms (~13 mm)


class Slip:
    """Builds the ESC/POS bytes of one slip. Methods chain: ``slip.text(...).kv(...).cut()``."""

    def __init__(self, profile: PrinterProfile | str = "generic-80", *, paper_mm: int | None = None,
                 text_mode: str | None = None):
        self.profile = get_profile(profile, paper_mm)
        self.text_mode = self.profile.text_mode(text_mode)
        self._p = Dummy(profile=self.profile.escpos_profile)
        self._align: int | None = None
        self._style: int | None = None  # ESC ! n
        self._size: int | None = None  # GS ! n
        self._page: int | None = None  # ESC t n
        self.parts: list[tuple[str, int]] = []  # (kind, bytes) for benchmarks and tests
        self._p.hw("INIT")
        self._select_page(self.profile.code_pages.get("cp437", 0))

    # -- public building blocks -------------------------------------------
    def text(self, text: str, *, align: str = "left", bold: bool = False, size: int = 1,
             small: bool = False) -> "Slip":
        """One or more lines (wrapped to the paper). ``size`` 1..4 multiplies the glyph size;
        ``small`` uses a 10 % smaller raster font (fewer bytes) for secondary lines."""
        if not 1 <= size <= 4:
            raise ValueError(f"size must be 1..4, not {size}")
        if is_plain_ascii(text.replace("\n", " ")):
            for line in self._wrap_native(text, size):
                self._native_line(line.encode("ascii"), align, bold, size)
        elif self.text_mode == "raster":
            px = (escpos_raster.SMALL_PX if small and size == 1 else escpos_raster.BASE_PX) * size
            for line in escpos_raster.wrap(text, self.profile.dots, px, bold):
                self._raster_text(line, align, px, bold)
        else:
            for line in self._wrap_native(text, size):
                self._native_line(self._encode(line), align, bold, size)
        return self

    def title(self, text: str, *, size: int = 1) -> "Slip":
        return self.text(text, align="center", bold=True, size=size)

    def kv(self, key: str, value: object, *, align: str = "left", size: int = 1) -> "Slip":
        """A "key: value" row on one line; in raster mode a Vietnamese key with a plain
        ASCII value is stacked instead (small key, then the value in bold printer font),
        which costs a third of the bytes of one raster line."""
        value = str(value)
        row = f"{key}: {value}"
        if self.text_mode == "raster" and not is_plain_ascii(key) and is_plain_ascii(value):
            self.text(key, align=align, small=True)
            return self.text(value, align=align, bold=True, size=size)
        return self.text(row, align=align, small=True)

    def rule(self) -> "Slip":
        return self._native_line(b"-" * (self.profile.dots // FONT_A_DOTS[0]), "left", False, 1)

    def big(self, text: str, *, max_size: int = 6) -> "Slip":
        """A ticket number: the printer's font as large as fits the paper, centred and bold."""
        if not is_plain_ascii(text):
            return self.text(text, align="center", bold=True, size=3)
        size = max(1, min(max_size, 8, self.profile.dots // (FONT_A_DOTS[0] * max(len(text), 1))))
        return self._native_line(text.encode("ascii"), "center", True, size)

    def qr(self, data: str, *, module: int | None = None, ec: str = "M", align: str = "center") -> "Slip":
        """A QR code: the printer draws it (GS ( k) when the profile allows, else a raster image."""
        self._set_align(align)
        module = self._qr_module(data, ec, module or (6 if self.profile.native_qr else 4))
        if self.profile.native_qr:
            start = len(self._p.output)
            self._p.qr(data, ec=QR_EC[ec], size=module, native=True)
            self.parts.append(("qr_native", len(self._p.output) - start))
        else:  # every raster byte is wire time: 4-dot modules (0.5 mm) still scan well
            quiet = b"\x1bJ" + bytes([QR_QUIET_DOTS])
            self._p._raw(quiet)
            self._image(escpos_raster.qr_image(data, module, ec), "qr_raster")
            self._p._raw(quiet)
        return self

    def _qr_module(self, data: str, ec: str, wanted: int) -> int:
        """The module size (dots) that keeps the symbol and its quiet zone on the paper."""
        import qrcode

        try:
            code = qrcode.QRCode(error_correction={"L": 1, "M": 0, "Q": 3, "H": 2}[ec])
            code.add_data(data)
            code.make(fit=True)
        except Exception as exc:  # qrcode raises DataOverflowError for > 2953 bytes
            raise ValueError(f"QR data of {len(data.encode())} bytes is too long for a ticket") from exc
        modules = 17 + 4 * code.version + 8
        module = min(wanted, self.profile.dots // modules)
        if module < 2:
            raise ValueError(f"QR data of {len(data.encode())} bytes is too long for {self.profile.dots}-dot paper")
        return module

    def image(self, img: Image.Image, *, align: str = "center") -> "Slip":
        self._set_align(align)
        return self._image(img.convert("1"), "image")

    def feed(self, lines: int = 1) -> "Slip":
        self._p._raw(b"\x1bd" + bytes([max(0, min(lines, 255))]))
        return self

    def cut(self) -> "Slip":
        """Feed the printed part past the cutter, then cut (our profile decides, not python-escpos's)."""
        self._p.print_and_feed(CUT_FEED_LINES)
        if self.profile.cut:
            self._p._raw(CUT[self.profile.cut])
        return self

    def to_bytes(self) -> bytes:
        return bytes(self._p.output)

    # -- internals ----------------------------------------------------------
    def _wrap_native(self, text: str, size: int) -> list[str]:
        cols = max(1, self.profile.dots // (FONT_A_DOTS[0] * size))
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for word in paragraph.split(" "):
                while len(word) > cols:
                    if line:
                        lines.append(line)
                        line = ""
                    lines.append(word[:cols])
                    word = word[cols:]
                candidate = f"{line} {word}" if line else word
                if len(candidate) <= cols:
                    line = candidate
                else:
                    lines.append(line)
                    line = word
            lines.append(line)
        return lines

    def _encode(self, line: str) -> bytes:
        pages = self.profile.code_pages
        if self.text_mode == "tcvn3":
            data, self._page = encode_tcvn3(line, (pages["tcvn3"], pages["tcvn3_capital"]), self._page)
            return data
        self._select_page(pages["cp1258"])
        return encode_cp1258(line)

    def _native_line(self, data: bytes, align: str, bold: bool, size: int) -> "Slip":
        self._set_align(align)
        style = 0x08 if bold else 0x00
        if style != self._style:
            self._p._raw(b"\x1b!" + bytes([style]))
            self._style = style
            self._size = 0x00  # ESC ! also sets the character size (to 1x1 here)
        gs = (size - 1) << 4 | (size - 1)
        if gs != self._size:
            self._p._raw(b"\x1d!" + bytes([gs]))
            self._size = gs
        self._p._raw(data + b"\n")
        self.parts.append(("native_text", len(data) + 1))
        return self

    def _raster_text(self, line: str, align: str, px: int, bold: bool) -> None:
        self._set_align(align)
        self._image(escpos_raster.render_line(line, px, bold), "raster_text")
        self._p._raw(b"\x1bJ" + bytes([RASTER_GAP]))

    def _image(self, img: Image.Image, kind: str) -> "Slip":
        if img.width > self.profile.dots:
            raise ValueError(f"image {img.width} dots wide does not fit {self.profile.dots}-dot paper")
        start = len(self._p.output)
        self._p.image(img, impl="bitImageRaster", center=False)
        self.parts.append((kind, len(self._p.output) - start))
        return self

    def _set_align(self, align: str) -> None:
        n = ALIGN[align]
        if n != self._align:
            self._p._raw(b"\x1ba" + bytes([n]))
            self._align = n

    def _select_page(self, slot: int) -> None:
        if slot != self._page:
            self._p._raw(b"\x1bt" + bytes([slot]))
            self._page = slot
