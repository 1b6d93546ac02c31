"""One module + one .kv per screen; listed in kiosk_app.ui.registry."""
from __future__ import annotations

from typing import Any

from kivy.uix.screenmanager import Screen


class KScreen(Screen):
    _keys_for: Any = None

    def refresh(self, c: Any) -> None:
        """Redraw from the controller's state (called after every change)."""

    def keys_changed(self, c: Any) -> bool:
        """True once per language or text size: a screen rebuilds its keypad then, not on every refresh."""
        now = (c.lang, c.large_text)
        if now == self._keys_for:
            return False
        self._keys_for = now
        return True


class ListScreen(KScreen):
    """A screen whose choices sit in `ids.grid` inside `ids.scroll`: rows shrink (down to what
    their text needs, never under the 15 mm target) so that every choice is in view, in large
    text too — a row half under the "Back" bar is a choice an elderly visitor never finds.
    Past that (a small screen with many services), the list scrolls."""
    row_mm: float = 30.0

    def fit_rows(self, *_: Any) -> None:
        from kivy.app import App
        from kiosk_app import a11y
        app = App.get_running_app()
        if app is None or "grid" not in self.ids:
            return
        grid, view = self.ids.grid, self.ids.scroll
        buttons = list(grid.children)
        rows = -(-len(buttons) // max(1, grid.cols or 1))
        if not rows:
            return
        gap = grid.spacing[1] if isinstance(grid.spacing, (list, tuple)) else grid.spacing
        room = (view.height - gap * (rows - 1)) / rows
        least = max([app.mm(a11y.MIN_TARGET_MM)] + [_needed_height(b) for b in buttons])
        height = max(least, min(app.mm(self.row_mm) * app.scale, room))
        grid.row_height = height
        for b in buttons:
            b.height = height

    def fit_rows_soon(self) -> None:
        """After the grid laid its columns out: wrapped text is measured at the real width."""
        from kivy.clock import Clock
        Clock.schedule_once(self.fit_rows, 0)


def _needed_height(button: Any) -> float:
    """What a choice's own text needs: its labels' wrapped height, padding and spacing."""
    from kivy.uix.label import Label
    labels = [w for w in button.children if isinstance(w, Label)]
    for label in labels:
        label.texture_update()
    pad = button.padding if isinstance(button.padding, (list, tuple)) else [button.padding] * 4
    vertical = getattr(button, "orientation", "vertical") == "vertical"
    text = sum(l.texture_size[1] for l in labels) if vertical else max([l.texture_size[1] for l in labels] or [0])
    spacing = getattr(button, "spacing", 0) * (len(labels) - 1 if vertical else 0)
    return text + spacing + (pad[1] + pad[3] if len(pad) == 4 else 2 * pad[-1]) + 4
