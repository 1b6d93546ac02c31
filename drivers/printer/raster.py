"""Text and QR codes as 1-bit images for printers that cannot draw them.

Text is drawn with the shipped Roboto TTF (full Vietnamese coverage) straight
into a mode "1" image (no anti-aliasing, so thermal dots stay crisp) and cut to
its ink: raster bytes cost wire time, so a short centred line sends only its own
width and the printer centres it (ESC a applies to GS v 0).

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path(__file__).with_name("fonts")
FONT_FILES = {False: FONT_DIR / "Roboto-Regular.ttf", True: FONT_DIR / "Roboto-Bold.ttf"}
BASE_PX = 20  # size=1 text: ~24 dots from the highest stacked mark to the lowest descender
SMALL_PX = 18  # secondary lines


@lru_cache(maxsize=16)
def font(px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILES[bold]), px)


def wrap(text: str, width: int, px: int, bold: bool = False) -> list[str]:
    """Split ``text`` into lines no wider than ``width`` dots, at spaces where possible."""
    f = font(px, bold)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if f.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while f.getlength(word) > width:  # a single word wider than the paper: hard break
                cut = max(1, len(word) - 1)
                while cut > 1 and f.getlength(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def render_line(text: str, px: int = BASE_PX, bold: bool = False) -> Image.Image:
    """One line of text as a mode "1" image (0 = ink), cropped to its ink.

    The width is rounded up to whole bytes; an empty line gives a 8x1 blank image.
    """
    f = font(px, bold)
    left, top, right, bottom = f.getbbox(text)
    width, height = max(right - min(left, 0), 1), max(bottom - min(top, 0), 1)
    img = Image.new("1", (width + 2, height + 2), 1)
    ImageDraw.Draw(img).text((1 - min(left, 0), 1 - min(top, 0)), text, font=f, fill=0)
    box = Image.eval(img, lambda v: 255 - v).getbbox()
    if box is None:
        return Image.new("1", (8, 1), 1)
    img = img.crop(box)
    padded = Image.new("1", ((img.width + 7) // 8 * 8, img.height), 1)
    padded.paste(img, (0, 0))
    return padded


def qr_image(data: str, module: int, ec: str = "M") -> Image.Image:
    """A QR code as a mode "1" image, symbol only: the quiet zone is blank paper (fed, not sent)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

    levels = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
    qr = qrcode.QRCode(error_correction=levels[ec], box_size=module, border=0)
    qr.add_data(data)
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white").get_image().convert("1")
    padded = Image.new("1", ((img.width + 7) // 8 * 8, img.height), 1)
    padded.paste(img, (0, 0))
    return padded
