from __future__ import annotations

from typing import Any

from kiosk_app.input.keypad import dossier_keys
from kiosk_app.ui import theme
from kiosk_app.ui.common import keypad
from kiosk_app.ui.screen import KScreen

WORDS = {"back": "Del", "clear": "Clear", "ok": "Look up"}
MESSAGES = {
    "": "Scan the QR code on your receipt, or type the dossier code",
    "loading": "Looking up…",
    "invalid": "This does not look like a dossier code. Example: 000.00.21.H29-230101-0001",
    "not_found": "No dossier with this code. Please check the code on your receipt.",
    "not_available": "Dossier lookup is not available at this center yet. Please ask at the counter.",
    "offline": "The queue server cannot be reached. Please try again in a moment.",
}


class DossierScreen(KScreen):
    _key: Any = None

    def refresh(self, c: Any) -> None:
        ids = self.ids
        ids.code.text = c.code_input or c.t("(no code yet)")
        key = (c.lang, c.large_text, c.keypad_letters)
        if key != self._key:
            self._key = key
            keypad.fill(ids.keypad, dossier_keys(c.keypad_letters), c.keypad, lambda k: c.t(WORDS[k]),
                        keypad.scale(c), letters=c.keypad_letters)
        d = c.dossier
        if c.lookup_state == "found" and d is not None:
            ids.result_title.text = c.t("Dossier {code}", code=d.code)
            lines = [c.dossier_status_text()]
            if d.procedure:
                lines.append(d.procedure)
            if d.appointment:
                lines.append(c.t("Appointment for the result: {date}", date=_date(d.appointment)))
            if c.dossier_next_step():
                lines.append(c.dossier_next_step())
            ids.result.text = "\n".join(lines)
            ids.result.color = theme.INK
        else:
            ids.result_title.text = c.t("Dossier status")
            ids.result.text = c.t(MESSAGES.get(c.lookup_state, ""))
            ids.result.color = theme.WARN if c.lookup_state in ("invalid", "not_found", "not_available", "offline") \
                else theme.INK


def _date(text: str) -> str:
    """ISO date/time -> dd/mm/yyyy (hh:mm) as on Vietnamese receipts."""
    from datetime import datetime
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return text
    return dt.strftime("%H:%M %d/%m/%Y") if "T" in text else dt.strftime("%d/%m/%Y")
