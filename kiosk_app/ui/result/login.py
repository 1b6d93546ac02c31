from __future__ import annotations

from typing import Any

from kiosk_app.input.keypad import USER_KEYS
from kiosk_app.result.text import WORD_KEYS, rt
from kiosk_app.ui import theme
from kiosk_app.ui.common import keypad
from kiosk_app.ui.screen import KScreen

KEYS = USER_KEYS + ("next", "back", "clear")


class ResultLoginScreen(KScreen):
    """Staff sign-in: username + PIN (the officer's password) on an on-screen keyboard."""

    def refresh(self, c: Any) -> None:
        ids = self.ids
        if self.keys_changed(c):
            keypad.fill(ids.keyboard, KEYS, c.login_key, lambda k: rt(WORD_KEYS[k], c.lang), keypad.scale(c), font=32)
        ids.username.text = f"{rt('username', c.lang)}: {c.username}"
        ids.pin.text = f"{rt('pin', c.lang)}: {'•' * len(c.pin)}"
        ids.username.bg_color = theme.PRIMARY if c.field == "username" else theme.NEUTRAL
        ids.pin.bg_color = theme.PRIMARY if c.field == "pin" else theme.NEUTRAL
        view = c.view
        failed = view.state == "staff_login" and view.message in ("staff_login_failed", "offline")
        ids.message.text = rt("checking", c.lang) if c.running else (view.text(c.lang) if failed else "")
        ids.message.color = theme.INK if c.running else theme.WARN
