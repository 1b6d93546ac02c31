"""On-screen keys shared by the result screens (dossier code, pickup code, staff sign-in)."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from kivy.factory import Factory

from kiosk_app.result.text import rt
from kiosk_app.ui import theme

WORD_KEYS = {"back": "del", "clear": "clear", "ok": "ok"}


def fill(grid: Any, keys: Iterable[str], on_key: Callable[[str], None], lang: str, scale: float, *,
         ok_label: str = "ok", font: float = 36, letters: bool = False) -> None:
    """(Re)build a keypad grid: one KButton per key, tid "key:<k>" for tests and logs."""
    grid.clear_widgets()
    for k in keys:
        if k == "letters":
            label = "123" if letters else "ABC"
        elif k == "ok":
            label = rt(ok_label, lang)
        elif k in WORD_KEYS:
            label = rt(WORD_KEYS[k], lang)
        elif k == "next":
            label = "Tab"
        else:
            label = k
        b = Factory.KButton(text=label, tid=f"key:{k}", font_size=(font if len(label) < 3 else 28) * scale,
                            bg_color=theme.PRIMARY if k == "ok" else theme.NEUTRAL)
        b.bind(on_press=lambda _b, key=k: on_key(key))
        grid.add_widget(b)


def scale(c: Any) -> float:
    return theme.LARGE_SCALE if c.large_text else 1.0
