from __future__ import annotations

from typing import Any

from kivy.factory import Factory

from kiosk_app.ui import theme
from kiosk_app.models import wait_text
from kiosk_app.ui.screen import ListScreen


class ServicesScreen(ListScreen):
    row_mm = 30.0
    _key: Any = None

    def refresh(self, c: Any) -> None:
        group = c.group()
        self.ids.banner.text = (c.t("Priority: {group}", group=group.name(c.lang)) if group else "")
        self.ids.banner.opacity = 1 if group else 0
        key = (c.lang, c.large_text, bool(group),
               tuple((s.code, s.waiting, s.wait_min, s.wait_low, s.wait_high, s.wait_known, s.open) for s in c.services))
        if key == self._key:
            return
        self._key = key
        grid = self.ids.grid
        grid.clear_widgets()
        for s in c.services:
            button = Factory.ServiceButton(code=s.code, size_hint_y=None,
                                           height=grid.row_height)
            button.title = (f"{s.prefix}  " if s.prefix else "") + s.name(c.lang)
            if not s.open:
                button.detail = c.t("Not issuing numbers now") + reopens(c)
                button.bg_color = theme.CLOSED
            elif s.waiting == 0:
                button.detail = c.t("No one waiting")
            else:
                if not s.wait_known:   # nobody signed in at its counters yet: no number we could stand by
                    button.detail = c.t("{waiting} waiting · no counter open yet", waiting=s.waiting)
                else:
                    button.detail = c.t("{waiting} waiting", waiting=s.waiting) + " · " + wait_text(
                        c.t, s.wait_low, s.wait_high, s.wait_min)
                button.bg_color = theme.PRIORITY if group else theme.PRIMARY
            button.bind(on_press=lambda b: c.choose_service(b.code))
            grid.add_widget(button)
        self.fit_rows()
        self.fit_rows_soon()


def reopens(c: Any) -> str:
    """The " · reopens at 13:15" (or "at 07:00 on 24/11") tail, from the next issuing window."""
    at = str(c.site.get("next_open_at") or "")
    if len(at) < 16:
        return ""
    time = at[11:16]
    if at[:10] == str(c.site.get("day") or ""):
        return " · " + c.t("Issuing reopens at {time}", time=time)
    return " · " + c.t("Issuing reopens at {time} on {date}", time=time, date=f"{at[8:10]}/{at[5:7]}")
