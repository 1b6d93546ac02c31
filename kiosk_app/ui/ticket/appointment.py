from __future__ import annotations

from typing import Any

from kiosk_app.i18n import pick_language
from kiosk_app.input.keypad import PIN_KEYS
from kiosk_app.ticket.appointment import CODE_LENGTH
from kiosk_app.ui import theme
from kiosk_app.ui.common import keypad
from kiosk_app.ui.screen import KScreen

WORDS = {"back": "Del", "ok": "Check in"}
MESSAGES = {
    "": "Scan the QR code of your booking, or type the booking code",
    "checking": "Checking your booking…",
    "short": "The booking code has 8 digits.",
    "offline": "The queue server cannot be reached. Please try again in a moment.",
}


class AppointmentScreen(KScreen):
    """«Tôi đã đặt lịch hẹn»: the 8-digit booking code on the keypad (or the booking QR scanned)."""

    def refresh(self, c: Any) -> None:
        ids = self.ids
        if self.keys_changed(c):
            keypad.fill(ids.keypad, PIN_KEYS, c.appointment_key, lambda k: c.t(WORDS[k]), keypad.scale(c), font=44)
        typed = c.booking_input
        shown = list(typed) + ["_"] * (CODE_LENGTH - len(typed))
        ids.digits.text = " ".join(shown[:4]) + "   " + " ".join(shown[4:])
        state = c.checkin_state
        if state == "refused" and c.checkin_error:
            ids.message.text = pick_language(c.checkin_error, c.lang)
        elif state == "refused":
            ids.message.text = c.t(MESSAGES["short"])
        else:
            ids.message.text = c.t(MESSAGES.get(state, MESSAGES[""]))
        ids.message.color = theme.WARN if state in ("refused", "offline") else theme.INK
