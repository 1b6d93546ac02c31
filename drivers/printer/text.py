"""Vietnamese text for printers' own fonts: TCVN-3 and CP1258 code pages.

Printers hold TCVN-3 in two code-page slots: the first has the lower-case
letters with tone marks plus the seven bare capitals (Ă Â Ê Ô Ơ Ư Đ), the
second ("capital") draws the upper-case letter at the same code as its
lower-case partner. CP1258 has the bare letters with vowel marks (â, ơ, ư, đ…)
and the five tone marks as separate combining bytes, so text is decomposed
first. python-escpos's magic encoder mangles both, so we encode ourselves.

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

import unicodedata

ESC_T = b"\x1bt"

# TCVN-3 upper half, rows 0xA0..0xF0 (space = unassigned / not a letter we use)
_TCVN3_ROWS = {
    0xA0: " ĂÂÊÔƠƯĐăâêôơưđ ",
    0xB0: "     àảãáạ ằẳẵắ ",
    0xC0: "      ặầẩẫấậè ẻẽ",
    0xD0: "éẹềểễếệìỉ   ĩíịò",
    0xE0: " ỏõóọồổỗốộờởỡớợù",
    0xF0: " ủũúụừửữứựỳỷỹýỵ ",
}
TCVN3_LOWER: dict[str, int] = {}
TCVN3_CAPITAL: dict[str, int] = {}
for _row, _chars in _TCVN3_ROWS.items():
    for _i, _ch in enumerate(_chars):
        if _ch != " ":
            TCVN3_LOWER[_ch] = _row + _i
            if _row >= 0xB0:  # tone letters: the capital slot draws the upper-case form
                TCVN3_CAPITAL[_ch.upper()] = _row + _i

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # grave, acute, tilde, hook, dot below


def is_plain_ascii(text: str) -> bool:
    """True when the printer's built-in font can print ``text`` in any code page."""
    return all(0x20 <= ord(ch) < 0x7F for ch in text)


def encode_tcvn3(text: str, pages: tuple[int, int], current: int | None = None) -> tuple[bytes, int | None]:
    """``text`` as TCVN-3 bytes with ESC t switches between the two slots.

    ``pages`` is (lower slot, capital slot); ``current`` the slot already selected.
    Returns the bytes and the slot selected at the end. Unknown characters print as '?'.
    """
    lower, capital = pages
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        code = ord(ch)
        if 0x20 <= code < 0x7F:
            out.append(code)
            continue
        if ch in TCVN3_LOWER:
            slot, byte = lower, TCVN3_LOWER[ch]
        elif ch in TCVN3_CAPITAL:
            slot, byte = capital, TCVN3_CAPITAL[ch]
        else:
            out += b"?"
            continue
        if slot != current:
            out += ESC_T + bytes([slot])
            current = slot
        out.append(byte)
    return bytes(out), current


def split_tones(text: str) -> str:
    """Letters with their vowel marks composed and tone marks as separate combining characters."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(p for p in parts if p in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in TONE_MARKS))
        out.append(base + tones)
    return "".join(out)


def encode_cp1258(text: str) -> bytes:
    """``text`` as CP1258 with tone marks decomposed; unknown characters print as '?'."""
    return split_tones(text).encode("cp1258", errors="replace")
