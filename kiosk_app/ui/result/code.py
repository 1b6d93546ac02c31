from __future__ import annotations

from typing import Any

from kiosk_app.input.keypad import PIN_KEYS
from kiosk_app.result.controller import CODE_LENGTH
from kiosk_app.result.text import WORD_KEYS, rt
from kiosk_app.ui import theme
from kiosk_app.ui.common import keypad
from kiosk_app.ui.screen import KScreen


class ResultCodeScreen(KScreen):
    """The 6-digit pickup code; after a wrong code the tries left are shown in red. "Send me a new
    code" asks the server to send one to the contact on file (the masked contact is shown)."""

    def refresh(self, c: Any) -> None:
        ids = self.ids
        view = c.view
        if self.keys_changed(c):
            keypad.fill(ids.keypad, PIN_KEYS, c.code_key, lambda k: rt(WORD_KEYS[k], c.lang), keypad.scale(c), font=44)
        ids.dossier.text = rt("dossier_n", c.lang, code=view.dossier)
        ids.message.text = rt("checking", c.lang) if c.running else view.text(c.lang)
        warn = view.message in ("wrong_code", "offline", "new_code_wait")
        ids.message.color = theme.WARN if warn and not c.running else theme.INK
        ids.new_code.disabled = c.running
        shown = list(c.otp) + ["_"] * (CODE_LENGTH - len(c.otp))
        ids.digits.text = " ".join(shown)
