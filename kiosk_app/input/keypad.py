"""One keypad for every code the kiosk asks for (no Kivy): the keys as data, one way to type.

Dossier codes (ticket kiosk lookup, result kiosk pickup and staff deposit), the 6-digit
pickup code and the staff sign-in all use these keys and `edit`; the screens draw them
with `kiosk_app.ui.common.keypad`. What a code must look like is the server's to say:
the kiosk sends what was typed or scanned and shows the server's answer.
"""
from __future__ import annotations

LETTERS = tuple("ABCDEGHKLMNPQRSTUVX")     # the letters agency codes use (no F, I, J, O, W, Y, Z)
DOSSIER_KEYS = tuple("1234567890") + (".", "-", "letters", "back", "clear", "ok")
DOSSIER_LETTER_KEYS = LETTERS + ("letters", "back", "clear", "ok")
PIN_KEYS = tuple("123456789") + ("back", "0", "ok")
USER_KEYS = tuple("1234567890") + tuple("qwertyuiop") + tuple("asdfghjkl") + tuple("zxcvbnm") + (".", "-", "_", "@")
MAX_CODE = 40                              # longer than any real code; the server judges the rest


def dossier_keys(letters: bool) -> tuple[str, ...]:
    return DOSSIER_LETTER_KEYS if letters else DOSSIER_KEYS


def edit(text: str, key: str, max_length: int = MAX_CODE) -> str:
    """`text` after an editing key: Del, Clear, or one character (ignored past `max_length`)."""
    if key == "back":
        return text[:-1]
    if key == "clear":
        return ""
    if len(key) == 1 and len(text) < max_length:
        return text + key
    return text
