from __future__ import annotations

from typing import Any

from kiosk_app.input.keypad import dossier_keys
from kiosk_app.result.text import WORD_KEYS, rt
from kiosk_app.ui import theme
from kiosk_app.ui.common import keypad
from kiosk_app.ui.screen import KScreen


class ResultDossierScreen(KScreen):
    """The citizen types the dossier code of the receipt (when there is no QR to scan)."""
    _key: Any = None

    def refresh(self, c: Any) -> None:
        ids = self.ids
        ids.code.text = c.typed or rt("no_code_yet", c.lang)
        key = (c.lang, c.large_text, c.letters)
        if key != self._key:
            self._key = key
            keypad.fill(ids.keypad, dossier_keys(c.letters), c.dossier_key,
                        lambda k: rt(WORD_KEYS[k], c.lang), keypad.scale(c), letters=c.letters)
        if c.typed_error:
            ids.message.text, ids.message.color = rt("invalid", c.lang), theme.WARN
        elif c.running:
            ids.message.text, ids.message.color = rt("checking", c.lang), theme.INK
        else:
            ids.message.text, ids.message.color = c.view.text(c.lang) if c.view.state == "idle" else "", theme.INK
