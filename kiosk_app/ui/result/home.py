from __future__ import annotations

from typing import Any

from kiosk_app.result.text import rt
from kiosk_app.ui import theme, widgets
from kiosk_app.ui.screen import KScreen


class ResultHomeScreen(KScreen):
    def refresh(self, c: Any) -> None:
        ids = self.ids
        if not c.online:
            ids.message.text, ids.message.color = _offline(c), theme.WARN
        elif c.lockers_state == "down":
            ids.message.text, ids.message.color = rt("lockers_down", c.lang), theme.WARN
        elif c.lockers_state == "starting":
            ids.message.text, ids.message.color = rt("starting", c.lang), theme.INK
        else:
            view = c.view
            ids.message.text = view.text(c.lang) if view.state == "idle" else rt("title", c.lang)
            ids.message.color = theme.INK
        ids.hint.text = rt("home_hint", c.lang)
        widgets.set_visible(ids.type_code, c.lockers_state == "ready" and c.online)


def _offline(c: Any) -> str:
    from kiosk_app.result.flow import MESSAGES
    vi, en = MESSAGES["offline"]
    return en if c.lang == "en" else vi
