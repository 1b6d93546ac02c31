"""One module + one .kv per screen; listed in kiosk_app.ui.registry."""
from __future__ import annotations

from typing import Any

from kivy.uix.screenmanager import Screen


class KScreen(Screen):
    def refresh(self, c: Any) -> None:
        """Redraw from the controller's state (called after every change)."""
