"""Code pages the simulated printer knows, by ESC t slot (Epson numbering).

TCVN-3 is not a Python codec, so its upper half is written out here: the bare
letters at 0xA1..0xAE and, per vowel, its five toned forms in the order grave,
hook above, tilde, acute, dot below. Slot 31 is the "capital" half: the same
codes drawn as upper-case letters.

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

import unicodedata

TONES = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # huyền, hỏi, ngã, sắc, nặng
TONED = {  # vowel -> codes of its forms with each tone, in TONES order
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
BARE = "ĂÂÊÔƠƯĐăâêôơưđ"  # 0xA1..0xAE


def _tcvn3(capital: bool) -> dict[int, str]:
    table = {0xA1 + i: (ch.upper() if capital else ch) for i, ch in enumerate(BARE)}
    for vowel, codes in TONED.items():
        for tone, code in zip(TONES, codes):
            ch = unicodedata.normalize("NFC", vowel + tone)
            table[code] = ch.upper() if capital else ch
    return table


TCVN3 = _tcvn3(False)
TCVN3_CAPITAL = _tcvn3(True)
SLOTS = {0: "cp437", 2: "cp850", 3: "cp860", 16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858",
         30: "tcvn3", 31: "tcvn3-capital", 52: "cp1258",
         27: "cp1258"}  # 58 mm clones (POS-5890 class) put CP1258 in slot 27


def decode(data: bytes, slot: int) -> str:
    """Bytes printed in code-page ``slot``; unknown slots fall back to CP437 like most printers."""
    name = SLOTS.get(slot, "cp437")
    if name.startswith("tcvn3"):
        table = TCVN3_CAPITAL if name.endswith("capital") else TCVN3
        return "".join(chr(b) if b < 0x80 else table.get(b, "\ufffd") for b in data)
    return data.decode(name, errors="replace")
