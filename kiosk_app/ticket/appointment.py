"""Check-in of an online booking: the 8-digit code typed on the keypad or the booking's QR
(`{base}/book/{code}`) scanned → the server's ticket, printed like any other.

What the answer means (on time, late, too early: come back at …) is the server's to say;
the kiosk shows its message in the kiosk's language.
"""
from __future__ import annotations

import re
from typing import Any

from kiosk_app.input import keypad
from kiosk_app.api import ApiError, Unreachable
from kiosk_app.models import Ticket

CODE_LENGTH = 8
BOOKING_QR = re.compile(r"/book/(\d{8})(?:[/?#]|$)")


def booking_code(text: str) -> str | None:
    """The booking code a scanned QR carries, None if it is not a booking QR."""
    m = BOOKING_QR.search(text.strip())
    return m.group(1) if m else None


class AppointmentMixin:
    def init_appointment(self) -> None:
        self.reset_appointment()

    def reset_appointment(self) -> None:
        self.booking_input = ""
        self.checkin_state = ""       # "" checking refused offline
        self.checkin_error = ""

    def open_appointment(self) -> None:
        self.touch()
        self.reset_appointment()
        self.show("appointment")

    def appointment_key(self, key: str) -> None:
        self.touch()
        if key == "ok":
            self.check_in(self.booking_input)
            return
        self.booking_input = keypad.edit(self.booking_input, key, CODE_LENGTH)
        if self.checkin_state in ("refused", "offline"):
            self.checkin_state = ""
        self.changed()

    def check_in(self, code: str) -> None:
        self.touch()
        if self.checkin_state == "checking":
            return
        self.booking_input = code
        if self.screen != "appointment":
            self.show("appointment")
        if len(code) != CODE_LENGTH:
            self.checkin_state, self.checkin_error = "refused", ""
            self.changed()
            return
        self.checkin_state = "checking"
        self.changed()
        self.runner.submit(lambda: self.api.check_in(code), lambda r, e: self._checked_in(code, r, e))

    def _checked_in(self, code: str, result: Any, error: BaseException | None) -> None:
        if code != self.booking_input or self.screen != "appointment":
            return   # the citizen left meanwhile
        if isinstance(error, Unreachable):
            self.checkin_state, self.checkin_error = "offline", ""
            self.changed()
            return
        if error is not None:
            self.checkin_state = "refused"
            self.checkin_error = error.message if isinstance(error, ApiError) else str(error)
            self.changed()
            return
        self.reset_ticketing()
        self.checkin_state = ""
        self.issue_state = "issued"
        self.ticket = Ticket.from_api(result, self.public_url())
        self.show("ticket")
        self.say("Your number is {number}. Please take your ticket.", number=" ".join(self.ticket.number))
        self._print(self.ticket)
