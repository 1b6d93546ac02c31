from __future__ import annotations

from typing import Any

from kiosk_app.ui.screen import KScreen


class OfflineScreen(KScreen):
    def refresh(self, c: Any) -> None:
        seconds = c.retry_in()
        self.ids.countdown.text = (c.t("Trying again in {seconds} s…", seconds=seconds) if seconds
                                   else c.t("Connecting…"))
