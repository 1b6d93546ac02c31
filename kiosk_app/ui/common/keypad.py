"""The kiosk's one on-screen keypad (keys from `kiosk_app.input.keypad`), drawn into a grid."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from kivy.factory import Factory

from kiosk_app.ui import theme


def fill(grid: Any, keys: Iterable[str], on_key: Callable[[str], None], label: Callable[[str], str],
         scale: float, *, font: float = 36, letters: bool = False) -> None:
    """(Re)build a keypad grid: one KButton per key, tid "key:<k>" for tests and logs.

    ``label(key)`` gives the words of a word key (ok, back, clear…) in the screen's language.
    """
    grid.clear_widgets()
    for k in keys:
        if k == "letters":
            text = "123" if letters else "ABC"
        elif k == "next":
            text = "Tab"
        elif len(k) == 1:
            text = k
        else:
            text = label(k)
        b = Factory.KButton(text=text, tid=f"key:{k}", font_size=(font if len(text) < 3 else 28) * scale,
                            bg_color=theme.PRIMARY if k == "ok" else theme.NEUTRAL)
        b.bind(on_press=lambda _b, key=k: on_key(key))
        grid.add_widget(b)


def scale(c: Any) -> float:
    return theme.LARGE_SCALE if c.large_text else 1.0
