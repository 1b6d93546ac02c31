from __future__ import annotations

from typing import Any

from kivy.factory import Factory

from kiosk_app.ui.screen import ListScreen


class PriorityScreen(ListScreen):
    row_mm = 24.0
    _key: Any = None

    def refresh(self, c: Any) -> None:
        key = (c.lang, c.large_text, tuple(g.code for g in c.groups))
        if key == self._key:
            return
        self._key = key
        grid = self.ids.grid
        grid.clear_widgets()
        for g in c.groups:
            button = Factory.GroupButton(code=g.code, title=g.name(c.lang), icon=g.icon,
                                         size_hint_y=None, height=grid.row_height)
            button.bind(on_press=lambda b: c.choose_group(b.code))
            grid.add_widget(button)
        self.fit_rows()
        self.fit_rows_soon()
