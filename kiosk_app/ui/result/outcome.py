from __future__ import annotations

from typing import Any

from kiosk_app.result.text import rt
from kiosk_app.ui import theme, widgets
from kiosk_app.ui.screen import KScreen

LOOK = {"collected": ("h_collected", theme.PRIORITY), "not_taken": ("h_not_taken", theme.PRIMARY),
        "door_failed": ("h_door_failed", theme.WARN), "locked": ("h_locked", theme.WARN),
        "message": ("h_message", theme.SECONDARY), "slowed": ("h_slowed", theme.WARN),
        "not_ready": ("h_not_ready", theme.SECONDARY), "postal_done": ("h_postal_done", theme.PRIORITY)}


class ResultOutcomeScreen(KScreen):
    """Collected (+ slip), not taken, door failed, locked, slowed down (+ "Send me a new code"),
    not ready yet (+ "Receive by post"), coming by post, and the flow's other messages."""

    def refresh(self, c: Any) -> None:
        ids = self.ids
        view = c.view
        heading, colour = LOOK.get(view.state, LOOK["message"])
        if view.state == "message" and view.message in ("offline", "error", "rate_limited", "code_expired"):
            colour = theme.WARN
        ids.heading.text = rt(heading, c.lang)
        ids.banner.bg_color = colour
        ids.message.text = view.text(c.lang)
        detail = ""
        if view.state == "collected" and view.slip_printed is not None:
            detail = rt("slip_printed" if view.slip_printed else "slip_failed", c.lang)
        elif view.state in ("not_taken", "door_failed") and view.compartment:
            detail = rt("dossier_n", c.lang, code=view.dossier)
        ids.detail.text = detail
        widgets.set_visible(ids.try_again, view.state == "not_taken" and bool(view.dossier))
        widgets.set_visible(ids.new_code, view.state == "slowed" and bool(view.dossier))
        widgets.set_visible(ids.post, view.state == "not_ready" and bool(view.dossier))
        ids.done.disabled = ids.try_again.disabled = ids.new_code.disabled = ids.post.disabled = c.running
