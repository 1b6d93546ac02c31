"""Dossier status lookup and procedure information (read-only flows)."""
from __future__ import annotations

import re
from typing import Any

from kiosk_app.api import NotAvailable, NotFound, Unreachable
from kiosk_app.i18n import N_
from kiosk_app.models import Dossier, Procedure

DOSSIER_RE = re.compile(r"^[0-9A-Z]{1,4}(\.[0-9A-Z]{1,4}){1,5}-\d{6}-\d{4}$")
MAX_CODE = 32
KEYS_DIGITS = tuple("1234567890") + (".", "-")
KEYS_LETTERS = tuple("ABCDEGHKLMNPQRSTUVX")

# Status codes of the national portal, in plain words (msgids).
STATUS_WORDS = {
    1: N_("Received, waiting to be checked"),
    2: N_("Accepted"),
    3: N_("Not accepted"),
    4: N_("Being processed"),
    5: N_("More documents are needed"),
    6: N_("Fees must be paid"),
    7: N_("Withdrawn"),
    8: N_("Stopped"),
    9: N_("Done: the result is ready to collect"),
    10: N_("The result has been returned"),
}
UNKNOWN_STATUS = N_("Status unknown, please ask at the counter")


class LookupMixin:
    def init_lookup(self) -> None:
        self.reset_lookup()

    def reset_lookup(self) -> None:
        self.code_input = ""
        self.keypad_letters = False
        self.lookup_state = ""       # "" loading found not_found not_available invalid offline
        self.dossier: Dossier | None = None
        self.proc_service = ""
        self.proc_state = ""         # "" loading found none offline
        self.procedures: list[Procedure] = []

    # -- dossier ---------------------------------------------------------------------
    def open_dossier(self) -> None:
        self.touch()
        self.reset_lookup()
        self.show("dossier")

    def keypad(self, key: str) -> None:
        self.touch()
        if key == "back":
            self.code_input = self.code_input[:-1]
        elif key == "clear":
            self.code_input = ""
        elif key == "letters":
            self.keypad_letters = not self.keypad_letters
        elif key == "ok":
            self.lookup_dossier(self.code_input)
            return
        elif len(key) == 1 and len(self.code_input) < MAX_CODE:
            self.code_input += key
        if self.lookup_state in ("invalid", "not_found"):
            self.lookup_state = ""
        self.changed()

    def lookup_dossier(self, code: str) -> None:
        self.touch()
        code = code.strip().upper()
        self.code_input = code
        if self.screen != "dossier":
            self.show("dossier")
        if not DOSSIER_RE.match(code):
            self.lookup_state = "invalid"
            self.changed()
            return
        self.lookup_state = "loading"
        self.changed()
        self.runner.submit(lambda: self.api.dossier(code), lambda r, e: self._looked_up(code, r, e))

    def _looked_up(self, code: str, result: Any, error: BaseException | None) -> None:
        if code != self.code_input or self.screen != "dossier":
            return
        if error is None:
            self.dossier = Dossier.from_api({"code": code, **(result or {})})
            self.lookup_state = "found"
        elif isinstance(error, NotFound):
            self.lookup_state = "not_found"
        elif isinstance(error, NotAvailable):
            self.lookup_state = "not_available"
        elif isinstance(error, Unreachable):
            self.lookup_state = "offline"
        else:
            self.lookup_state = "not_found"
        self.changed()

    def dossier_status_text(self) -> str:
        if self.dossier is None:
            return ""
        return self.t(STATUS_WORDS.get(self.dossier.status, UNKNOWN_STATUS))

    def dossier_next_step(self) -> str:
        """What to do next, in the kiosk's language (the server words it; '' from an older server)."""
        if self.dossier is None:
            return ""
        steps = self.dossier.next_step
        return steps.get(self.lang) or steps.get("vi", "")

    # -- procedures ---------------------------------------------------------------------
    def open_procedures(self) -> None:
        self.touch()
        self.reset_lookup()
        self.show("procedures")
        if self.services:
            self.choose_procedure_service(self.services[0].code)

    def choose_procedure_service(self, code: str) -> None:
        self.touch()
        service = next((s for s in self.services if s.code == code), None)
        if service is None:
            return
        self.proc_service = code
        embedded = service.raw.get("procedures")
        if isinstance(embedded, list):
            self._procedures_loaded(code, embedded, None)
            return
        self.proc_state = "loading"
        self.changed()
        self.runner.submit(lambda: self.api.procedures(code), lambda r, e: self._procedures_loaded(code, r, e))

    def _procedures_loaded(self, code: str, result: Any, error: BaseException | None) -> None:
        if code != self.proc_service:
            return
        if error is None:
            self.procedures = [Procedure.from_api(p) for p in result if isinstance(p, dict)]
            self.proc_state = "found" if self.procedures else "none"
        elif isinstance(error, Unreachable):
            self.proc_state = "offline"
        else:
            self.procedures = []
            self.proc_state = "none"
        self.changed()
