from __future__ import annotations

from typing import Any

from kiosk_app.input.keypad import PIN_KEYS
from kiosk_app.result.controller import CODE_LENGTH
from kiosk_app.result.text import WORD_KEYS, rt
from kiosk_app.ui import theme
from kiosk_app.ui.common import keypad
from kiosk_app.ui.screen import KScreen


class ResultPostalCodeScreen(KScreen):
    """The 6-digit code sent to the contact on file (shown masked) confirms the postal request."""

    def refresh(self, c: Any) -> None:
        ids = self.ids
        view = c.view
        if self.keys_changed(c):
            keypad.fill(ids.keypad, PIN_KEYS, c.postal_code_key, lambda k: rt(WORD_KEYS[k], c.lang), keypad.scale(c),
                        font=44)
        ids.message.text = rt("checking", c.lang) if c.running else view.text(c.lang)
        warn = view.message in ("postal_wrong", "postal_slowed", "offline")
        ids.message.color = theme.WARN if warn and not c.running else theme.INK
        ids.digits.text = " ".join(list(c.otp) + ["_"] * (CODE_LENGTH - len(c.otp)))
