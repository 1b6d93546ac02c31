from __future__ import annotations

from typing import Any

from kiosk_app.ui.widgets import set_visible
from kiosk_app.ui.screen import KScreen


class HomeScreen(KScreen):
    def refresh(self, c: Any) -> None:
        names = [g.name(c.lang).split(" (")[0] for g in c.groups[:4]]
        self.ids.priority.title = c.t("Priority lane") + "\n" + ", ".join(names)
        # a kiosk with both roles also hands results back from its lockers
        set_visible(self.ids.pickup, c.config.role == "both")
