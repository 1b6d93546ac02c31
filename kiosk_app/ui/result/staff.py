from __future__ import annotations

from typing import Any

from kiosk_app.input.keypad import dossier_keys
from kiosk_app.result.text import WORD_KEYS, rt
from kiosk_app.ui import theme
from kiosk_app.ui.common import keypad
from kiosk_app.ui.screen import KScreen


class ResultStaffScreen(KScreen):
    """Staff ready: scan the result's dossier code (or type it), choose the compartment size, open."""
    _key: Any = None

    def refresh(self, c: Any) -> None:
        ids = self.ids
        view = c.view
        ids.officer.text = rt("signed_in", c.lang, name=view.staff)
        ids.code.text = c.typed or rt("no_code_yet", c.lang)
        key = (c.lang, c.large_text, c.letters)
        if key != self._key:
            self._key = key
            keypad.fill(ids.keypad, dossier_keys(c.letters), c.dossier_key,
                        lambda k: rt({**WORD_KEYS, "ok": "open_compartment"}[k], c.lang), keypad.scale(c),
                        letters=c.letters)
        if c.typed_error:
            ids.message.text, ids.message.color = rt("invalid", c.lang), theme.WARN
        elif c.running:
            ids.message.text, ids.message.color = rt("checking", c.lang), theme.INK
        else:
            ids.message.text = view.text(c.lang)
            ids.message.color = theme.INK if view.message == "staff_ready" else theme.WARN
        for size in "SML":   # the chosen size: colour and a mark (never colour alone)
            chosen = c.size == size
            ids[f"size_{size}"].bg_color = theme.PRIMARY if chosen else theme.NEUTRAL
            ids[f"size_{size}"].text = ("• " if chosen else "") + rt(f"size_{size}", c.lang)
