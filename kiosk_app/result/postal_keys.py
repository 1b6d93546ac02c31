"""The result kiosk's "receive the result by post" taps (the flow's steps: `kiosk_app.result.postal`):
the form's fields on the Vietnamese keyboard (`kiosk_app.input.textpad`), then the confirmation code.
A mixin of `ResultKioskController` (it uses its `touch`, `changed`, `_run`, `six_digits`)."""
from __future__ import annotations

from typing import Any

from kiosk_app.input import textpad

POSTAL_FIELDS = ("recipient", "address", "phone")


class PostalKeys:
    postal: dict[str, str]
    postal_field: str
    shift: bool
    postal_error: str
    touch: Any
    changed: Any
    _run: Any
    six_digits: Any

    def clear_postal(self) -> None:
        self.postal = dict.fromkeys(POSTAL_FIELDS, "")
        self.postal_field, self.shift, self.postal_error = "recipient", False, ""

    def post_instead(self) -> None:
        """"Receive the result by post" on the not-ready screen: the form."""
        self.touch()
        self.clear_postal()
        self._run("postal_start")

    def choose_postal_field(self, field: str) -> None:
        self.touch()
        self.postal_field = field if field in POSTAL_FIELDS else "recipient"
        self.shift = False
        self.changed()

    def auto_upper(self) -> bool:
        """Capitals where Vietnamese writes them: each word of a name, the start of an address."""
        value = self.postal[self.postal_field]
        if self.postal_field == "recipient":
            return not value or value.endswith(" ")
        return self.postal_field == "address" and not value

    def postal_key(self, key: str) -> None:
        """The Vietnamese keyboard (recipient, address) or the digits (phone)."""
        self.touch()
        if key == "shift":
            self.shift = not self.shift
            self.changed()
            return
        if key == "next":
            self.postal_field = POSTAL_FIELDS[(POSTAL_FIELDS.index(self.postal_field) + 1) % len(POSTAL_FIELDS)]
        else:
            field = self.postal_field
            if field == "phone" and key not in textpad.PHONE_KEYS:
                return
            upper = self.shift or self.auto_upper()
            self.postal[field] = textpad.edit(self.postal[field], key, upper=upper,
                                              max_length=20 if field == "phone" else textpad.MAX_TEXT)
            if len(key) == 1:
                self.shift = False
        self.postal_error = ""
        self.changed()

    def postal_submit(self) -> None:
        """"Send me a confirmation code": to the contact on file, never to what was typed here."""
        self.touch()
        p = self.postal
        if not p["recipient"].strip() or not p["address"].strip():
            self.postal_error = "missing"
            self.postal_field = "recipient" if not p["recipient"].strip() else "address"
            self.changed()
            return
        self._run("postal_send", p["recipient"], p["address"], p["phone"])

    def postal_code_key(self, key: str) -> None:
        """The 6-digit confirmation code."""
        self.six_digits(key, "postal_confirm")
