"""Dossier status lookup and procedure information (read-only flows)."""
from __future__ import annotations

from typing import Any

from kiosk_app.input import keypad
from kiosk_app.api import NotAvailable, NotFound, Refused, Unreachable
from kiosk_app.i18n import N_
from kiosk_app.models import Dossier, Procedure

# The status names come from the server (one list, in queue_server/results/dossiers); this is
# what the kiosk says when a server sends none.
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
        if key == "letters":
            self.keypad_letters = not self.keypad_letters
        elif key == "ok":
            self.lookup_dossier(self.code_input)
            return
        else:
            self.code_input = keypad.edit(self.code_input, key)
        if self.lookup_state in ("invalid", "not_found"):
            self.lookup_state = ""
        self.changed()

    def lookup_dossier(self, code: str) -> None:
        self.touch()
        code = code.strip().upper()
        self.code_input = code
        if self.screen != "dossier":
            self.show("dossier")
        if not code:   # what a code looks like is the server's to judge
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
        elif isinstance(error, Refused) and error.code == "invalid_code":
            self.lookup_state = "invalid"
        elif isinstance(error, Unreachable):
            self.lookup_state = "offline"
        else:
            self.lookup_state = "not_found"
        self.changed()

    def dossier_status_text(self) -> str:
        if self.dossier is None:
            return ""
        name = self.dossier.status_name_en if self.lang == "en" else self.dossier.status_name
        return name or self.t(UNKNOWN_STATUS)

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
