from __future__ import annotations

from typing import Any

from kiosk_app.result.text import rt
from kiosk_app.ui import theme
from kiosk_app.ui.screen import KScreen


class ResultDoorScreen(KScreen):
    """Opening / door open: the compartment number big, live door and item state from the board."""

    def refresh(self, c: Any) -> None:
        fill(self.ids, c, opened="opened_n", opening="opening_n")


def fill(ids: Any, c: Any, *, opened: str, opening: str) -> None:
    view = c.view
    n = view.compartment
    ids.number.text = str(n) if n is not None else "…"
    is_opening = view.state in ("opening", "deposit_opening")
    ids.headline.text = rt(opening if is_opening else opened, c.lang, n=n if n is not None else "")
    ids.message.text = rt("take_and_close", c.lang) if view.message == "door_open" else view.text(c.lang)
    ids.message.color = theme.WARN if view.message == "close_door" else theme.INK
    if view.door_open is None:
        ids.door.text = rt("door_unknown", c.lang)
    else:
        ids.door.text = rt("door_is_open" if view.door_open else "door_is_closed", c.lang)
    ids.item.text = "" if view.item is None else rt("item_in" if view.item else "item_out", c.lang)
