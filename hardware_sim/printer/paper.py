"""The simulated paper roll: parser events in, a PNG and a transcript per ticket out.

Text is drawn in the printer's own fonts (A: 12x24 dots, B: 9x17) cell by cell,
scaled by the ESC ! / GS ! multipliers, bold and underlined as asked, aligned as
ESC a says; raster images and QR codes (drawn from the GS ( k data) are placed
where the printer would put them. A cut ends the ticket. ``items`` records every
printed thing with its box on the page, so tests can look at the right place.

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

import importlib.util
import os
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from hardware_sim.printer import codepages as escpos_codepages

CELLS = {0: (12, 24, 20), 1: (9, 17, 14)}  # font -> (width, height, TTF pixel size)
LINE_GAP = 6  # default line spacing: 30 dots for a 24-dot line
MAX_ROWS = 20000  # ~2.5 m of paper: a job without a cut is closed there (bounded memory)
QR_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}


@dataclass(frozen=True)
class Style:
    font: int = 0
    bold: bool = False
    underline: int = 0
    w: int = 1
    h: int = 1


@lru_cache(maxsize=1)
def _font_path() -> str | None:
    # RobotoMono stacks Vietnamese marks inside the cell; DejaVu puts the tone mark beside them
    candidates = ["/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"]
    spec = importlib.util.find_spec("kivy")  # a project dependency; located without importing it
    if spec and spec.submodule_search_locations:
        candidates.insert(0, os.path.join(list(spec.submodule_search_locations)[0], "data", "fonts",
                                          "RobotoMono-Regular.ttf"))
    return next((p for p in candidates if os.path.exists(p)), None)


@lru_cache(maxsize=4)
def cell_font(font: int) -> ImageFont.ImageFont:
    """The largest TTF size whose ascent + descent fits the cell height."""
    height, px = CELLS[font][1], CELLS[font][2]
    path = _font_path()
    if path is None:
        return ImageFont.load_default(px)
    while px > 8 and sum(ImageFont.truetype(path, px).getmetrics()) > height:
        px -= 1
    return ImageFont.truetype(path, px)


@lru_cache(maxsize=4096)
def glyph(ch: str, font: int, bold: bool) -> Image.Image:
    """One character cell as a mode "1" image (0 = ink).

    Vietnamese letters with two stacked marks (ế, Ổ) rise above the cell; like a
    printer's own Vietnamese font, such a glyph is squeezed to fit the cell height.
    """
    width, height, _ = CELLS[font]
    ttf = cell_font(font)
    ascent, descent = ttf.getmetrics()
    headroom = height // 2
    canvas = Image.new("L", (width * 2, height + headroom), 255)  # marks may stick out up or right
    draw = ImageDraw.Draw(canvas)
    y = headroom + height - ascent - descent + 1
    draw.text((0, y), ch, font=ttf, fill=0)
    if bold:
        draw.text((1, y), ch, font=ttf, fill=0)
    ink = canvas.point(lambda v: 255 - v).getbbox()
    top = headroom if ink is None or ink[1] >= headroom else ink[1]
    right = width if ink is None or ink[2] <= width else ink[2]
    cell = canvas.crop((0, top, right, height + headroom))
    if cell.size != (width, height):
        cell = cell.resize((width, height), Image.LANCZOS)
    return cell.point(lambda v: 0 if v < 140 else 255).convert("1")


class Paper:
    def __init__(self, dots: int = 576):
        self.dots = dots
        self.reset()
        self._new_page()

    # -- state ----------------------------------------------------------------
    def reset(self) -> None:
        self.style = Style()
        self.align = 0
        self.slot = 0
        self.line: list[tuple[str, Style]] = []
        self.qr = {"module": 3, "ec": "L", "data": b""}
        self.graphics: Image.Image | None = None

    def _new_page(self) -> None:
        self.strips: list[Image.Image] = []
        self.rows = 0
        self.items: list[dict] = []
        self.transcript: list[str] = []

    @property
    def blank(self) -> bool:
        return not self.items and not self.line

    # -- events -----------------------------------------------------------------
    def handle(self, kind: str, *args) -> dict | None:
        """Apply one parser event; returns the finished page (a dict) on a cut."""
        method = getattr(self, f"_on_{kind}", None)
        if method is not None:
            method(*args)
        if kind == "cut" or self.rows >= MAX_ROWS:
            return self.finish("cut" if kind == "cut" else "paper limit")
        return None

    def _on_text(self, data: bytes) -> None:
        for ch in escpos_codepages.decode(data, self.slot):
            if unicodedata.combining(ch) and self.line:  # CP1258 tone mark: joins the letter before
                prev, style = self.line[-1]
                joined = unicodedata.normalize("NFC", prev + ch)
                if len(joined) == 1:
                    self.line[-1] = (joined, style)
                    continue
            if self._line_width() + CELLS[self.style.font][0] * self.style.w > self.dots:
                self._print_line()
            self.line.append((ch, self.style))

    def _on_lf(self) -> None:
        if self.line:
            self._print_line()
        else:
            self._blank(CELLS[self.style.font][1] * self.style.h + LINE_GAP)

    def _on_reset(self) -> None:
        self.reset()

    def _on_mode(self, n: int) -> None:
        self.style = Style(font=n & 1, bold=bool(n & 8), underline=1 if n & 128 else 0,
                           w=2 if n & 32 else 1, h=2 if n & 16 else 1)

    def _on_bold(self, n: int) -> None:
        self.style = replace(self.style, bold=bool(n & 1))

    def _on_underline(self, n: int) -> None:
        self.style = replace(self.style, underline=n & 3 if n & 3 < 3 else 0)

    def _on_font(self, n: int) -> None:
        self.style = replace(self.style, font=1 if n & 3 else 0)

    def _on_align(self, n: int) -> None:
        self.align = n & 3 if n & 3 < 3 else 0

    def _on_size(self, n: int) -> None:
        self.style = replace(self.style, w=((n >> 4) & 7) + 1, h=(n & 7) + 1)

    def _on_codepage(self, n: int) -> None:
        self.slot = n
        if n not in escpos_codepages.SLOTS:
            self.transcript.append(f"[unknown code page {n}: CP437 used]")

    def _on_feed_lines(self, n: int) -> None:
        self._flush()
        self._blank(n * (CELLS[0][1] + LINE_GAP))

    def _on_feed_dots(self, n: int) -> None:
        self._flush(gap=0)
        self._blank(n)

    def _on_raster(self, width_bytes: int, height: int, data: bytes) -> None:
        self._flush()
        img = Image.frombytes("1", (width_bytes * 8, height), data, "raw", "1;I")
        self._place(img, "image", f"[image {img.width}x{img.height}]")

    def _on_graphics_store(self, width_bytes: int, height: int, data: bytes) -> None:
        self.graphics = Image.frombytes("1", (width_bytes * 8, height), data, "raw", "1;I")

    def _on_graphics_print(self) -> None:
        if self.graphics is not None:
            self._flush()
            self._place(self.graphics, "image", f"[image {self.graphics.width}x{self.graphics.height}]")

    def _on_columns(self, mode: int, width: int, data: bytes) -> None:
        self._flush()
        dots = 24 if mode in (32, 33) else 8
        per_col = dots // 8
        img = Image.new("1", (width, dots), 1)
        for x in range(width):
            col = data[x * per_col:(x + 1) * per_col]
            for y in range(dots):
                if col[y // 8] & (0x80 >> (y % 8)):
                    img.putpixel((x, y), 0)
        if mode in (0, 32):  # single density: each column printed twice as wide
            img = img.resize((width * 2, dots), Image.NEAREST)
        self._place(img, "image", f"[column image {img.width}x{img.height}]")

    def _on_qr(self, fn: int, data: bytes) -> None:
        if fn == 0x43 and data:
            self.qr["module"] = max(1, min(data[0], 16))
        elif fn == 0x45 and data:
            self.qr["ec"] = QR_EC.get(data[0], "L")
        elif fn == 0x50:
            self.qr["data"] = data
        elif fn == 0x51:
            self._print_qr()

    def _on_unknown(self, raw: bytes, why: str) -> None:
        self.transcript.append(f"[skipped {raw[:8].hex(' ')}: {why}]")

    # -- drawing ------------------------------------------------------------
    def _print_qr(self) -> None:
        import qrcode
        from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

        self._flush()
        levels = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
        text = self.qr["data"].decode("utf-8", errors="replace")
        try:
            code = qrcode.QRCode(error_correction=levels[self.qr["ec"]], box_size=self.qr["module"], border=0)
            code.add_data(self.qr["data"])
            code.make(fit=True)
            img = code.make_image().get_image().convert("1")
        except Exception as exc:  # data too long for any QR version: a printer prints nothing
            self.transcript.append(f"[qr not printed: {exc}]")
            return
        if img.width > self.dots:
            self.transcript.append(f"[qr not printed: {img.width} dots wider than the paper]")
            return
        quiet = 2 * self.qr["module"]
        self._blank(quiet)
        self._place(img, "qr", f"[qr ec={self.qr['ec']} module={self.qr['module']}] {text}", data=text)
        self._blank(quiet)

    def _line_width(self) -> int:
        return sum(CELLS[s.font][0] * s.w for _, s in self.line)

    def _flush(self, gap: int = LINE_GAP) -> None:
        if self.line:
            self._print_line(gap)

    def _print_line(self, gap: int = LINE_GAP) -> None:
        line, self.line = self.line, []
        height = max(CELLS[s.font][1] * s.h for _, s in line)
        width = sum(CELLS[s.font][0] * s.w for _, s in line)
        strip = Image.new("1", (width, height), 1)
        x = 0
        for ch, s in line:
            cw, ch_h, _ = CELLS[s.font]
            cell = glyph(ch, s.font, s.bold)
            if s.w > 1 or s.h > 1:
                cell = cell.resize((cw * s.w, ch_h * s.h), Image.NEAREST)
            strip.paste(cell, (x, height - cell.height))
            if s.underline:
                ImageDraw.Draw(strip).rectangle((x, height - s.underline, x + cell.width - 1, height - 1), fill=0)
            x += cell.width
        text = "".join(ch for ch, _ in line)
        style = line[0][1]
        self._place(strip, "text", text, text=text, bold=style.bold, wmul=style.w, hmul=style.h,
                    font=style.font)
        self._blank(gap)

    def _place(self, img: Image.Image, kind: str, transcript: str, **info) -> None:
        if img.width > self.dots:
            img = img.crop((0, 0, self.dots, img.height))
        x = {0: 0, 1: (self.dots - img.width) // 2, 2: self.dots - img.width}[self.align]
        strip = Image.new("1", (self.dots, img.height), 1)
        strip.paste(img, (x, 0))
        self.items.append({"kind": kind, "x": x, "y": self.rows, "w": img.width, "h": img.height,
                           "align": ("left", "center", "right")[self.align], **info})
        self.transcript.append(transcript)
        self._add(strip)

    def _blank(self, rows: int) -> None:
        if rows > 0:
            self._add(Image.new("1", (self.dots, rows), 1))

    def _add(self, strip: Image.Image) -> None:
        rows = min(strip.height, MAX_ROWS - self.rows)
        if rows > 0:
            self.strips.append(strip if rows == strip.height else strip.crop((0, 0, self.dots, rows)))
            self.rows += rows

    def finish(self, why: str = "cut") -> dict:
        """Close the current ticket: the paper image, transcript and items; start a new page."""
        self._flush()
        margin = 16
        page = Image.new("1", (self.dots, self.rows + 2 * margin), 1)
        y = margin
        for strip in self.strips:
            page.paste(strip, (0, y))
            y += strip.height
        items = [{**it, "y": it["y"] + margin} for it in self.items]
        job = {"image": page, "transcript": self.transcript + [f"[{why}]"], "items": items, "end": why}
        self._new_page()
        return job
