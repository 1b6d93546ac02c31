from __future__ import annotations

from typing import Any

from kiosk_app.input import textpad
from kiosk_app.result.text import WORD_KEYS, rt
from kiosk_app.ui import theme
from kiosk_app.ui.common import keypad
from kiosk_app.ui.screen import KScreen

FIELDS = ("recipient", "address", "phone")


class ResultPostalScreen(KScreen):
    """Receive the result by post: recipient, full address, optional phone, typed on the
    Vietnamese keyboard (kiosk_app.input.textpad: shape and tone keys after a word's letters)."""

    def refresh(self, c: Any) -> None:
        ids = self.ids
        if self.keys_changed(c):
            for n, row in enumerate(textpad.ROWS):   # a row of boxes each: every row spans the width
                keypad.fill(ids[f"row{n}"], row, c.postal_key, lambda k: self._word(k, c.lang), keypad.scale(c),
                            font=32)
                for b in ids[f"row{n}"].children:
                    b.size_hint_x = textpad.WIDE.get(b.tid[4:], 1.0)
        upper = c.shift or c.auto_upper()
        for b in (b for n in range(len(textpad.ROWS)) for b in ids[f"row{n}"].children):
            k = b.tid[4:]
            if len(k) == 1 and k.isalpha():
                b.text = textpad.label(k, upper)
            elif k == "shift":
                b.bg_color = theme.PRIMARY if c.shift else theme.NEUTRAL
        for field in FIELDS:
            value = c.postal[field]
            cursor = "|" if field == c.postal_field else ""
            ids[field].text = f"{rt(field, c.lang)}: {value}{cursor}"
            ids[field].bg_color = theme.PRIMARY if field == c.postal_field else theme.NEUTRAL
        view = c.view
        if c.running:
            ids.message.text, ids.message.color = rt("checking", c.lang), theme.INK
        elif c.postal_error:
            ids.message.text, ids.message.color = rt("postal_missing", c.lang), theme.WARN
        else:
            ids.message.text = view.text(c.lang)
            ids.message.color = theme.WARN if view.message != "postal_form" else theme.INK
        ids.send.disabled = ids.clear_all.disabled = c.running

    @staticmethod
    def _word(k: str, lang: str) -> str:
        if k in WORD_KEYS:
            return rt(WORD_KEYS[k], lang)
        return textpad.LABELS.get(k, k)
