from __future__ import annotations

from typing import Any

from kiosk_app.result.text import rt
from kiosk_app.ui import theme, widgets
from kiosk_app.ui.screen import KScreen

LOOK = {"deposit_opening": theme.PRIMARY, "deposit_open": theme.PRIMARY, "deposit_done": theme.PRIORITY,
        "deposit_empty": theme.WARN, "deposit_failed": theme.WARN}


class ResultDepositScreen(KScreen):
    """Staff deposit: opening → open (put the result in, close) → done / empty / failed."""

    def refresh(self, c: Any) -> None:
        ids = self.ids
        view = c.view
        n = view.compartment
        ids.number.text = str(n) if n is not None else "…"
        ids.panel.bg_color = LOOK.get(view.state, theme.PRIMARY)
        ids.headline.text = rt(f"h_{view.state}" if f"h_{view.state}" in _HEADS else "h_deposit_open", c.lang)
        ids.headline.color = theme.WARN if view.state in ("deposit_empty", "deposit_failed") else theme.PRIMARY
        ids.message.text = view.text(c.lang)
        if view.door_open is None:
            ids.door.text = rt("door_unknown", c.lang)
        else:
            ids.door.text = rt("door_is_open" if view.door_open else "door_is_closed", c.lang)
        ids.item.text = "" if view.item is None else rt("item_in" if view.item else "item_none", c.lang)
        finished = view.state in ("deposit_done", "deposit_empty", "deposit_failed")
        widgets.set_visible(ids.next, finished)
        ids.next.disabled = c.running


_HEADS = ("h_deposit_opening", "h_deposit_open", "h_deposit_done", "h_deposit_empty", "h_deposit_failed")
