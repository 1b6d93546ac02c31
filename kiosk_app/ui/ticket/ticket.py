from __future__ import annotations

from typing import Any

from kiosk_app.ui import theme
from kiosk_app.i18n import pick_language as _pick
from kiosk_app.ticket.issuing import FAULTS
from kiosk_app.ui.widgets import set_visible
from kiosk_app.models import wait_text
from kiosk_app.ui.screen import KScreen

PRINT_TEXT = {
    "printing": "Printing your ticket…",
    "printed": "Please take your ticket below.",
    "none": "This kiosk has no printer: photograph the QR code.",
    "": "",
}


STATES = {  # ticket states as the citizen reads them
    "waiting": "waiting", "called": "called to a counter", "serving": "being served",
    "done": "done", "no_show": "missed (not present when called)", "transferred": "transferred",
    "cancelled": "cancelled",
}


class TicketScreen(KScreen):
    def refresh(self, c: Any) -> None:
        ids = self.ids
        t = c.ticket
        state = c.issue_state
        ids.number.text = t.number if t else "…"
        ids.service.text = t.service_name(c.lang) if t else ""
        if t and t.state == "waiting" and t.people_ahead == 0:
            ahead = c.t("You are next.")
        elif t and t.state == "waiting":
            ahead = (c.t("1 person ahead of you") if t.people_ahead == 1
                     else c.t("{n} people ahead of you", n=t.people_ahead))
            if t.wait_min_known:
                ahead += " · " + wait_text(c.t, t.wait_low, t.wait_high, t.wait_min)
        elif t:
            ahead = c.t("Ticket state: {state}", state=c.t(STATES.get(t.state, t.state)))
        else:
            ahead = ""
        ids.ahead.text = ahead
        ids.priority.text = c.t("Priority: {group}", group=t.priority_name(c.lang)) if t and t.priority else ""
        if state in ("issuing", ""):
            status, color = c.t("Getting your number…"), theme.INK
        elif state == "retrying":
            status, color = c.t("The queue server is not answering. Trying again… (attempt {n})",
                                n=c.issue_attempts), theme.WARN
        elif state == "refused":
            status, color = _pick(c.issue_error, c.lang) or c.t("A number cannot be issued now."), theme.WARN
        elif c.print_state == "fault":
            fault = c.t(FAULTS.get(c.printer_fault, FAULTS["error"]))
            status = fault + " " + c.t("Your number is valid: photograph the QR code. Staff have been told.")
            color = theme.WARN
        else:
            status, color = c.t(PRINT_TEXT.get(c.print_state, "")), theme.INK
        ids.status.text = status
        ids.status.color = color
        qr = t.status_url if t and c.print_state in ("fault", "none", "") else ""
        ids.qr.data = t.status_url if t else ""
        set_visible(ids.qr_box, bool(t))
        ids.qr_hint.text = c.t("Photograph this code to follow your turn on your phone.") if qr else \
            c.t("Scan this code with your phone to follow your turn.")
        for label in (ids.service, ids.ahead, ids.priority, ids.status):
            set_visible(label, bool(label.text))   # an empty line takes no room on a small screen
        set_visible(ids.reprint, bool(t) and c.reprint_allowed and c.print_state != "printing")
        set_visible(ids.retry, state == "retrying")
