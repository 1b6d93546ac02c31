"""The result kiosk's "Receive the result by post" (Bưu chính công ích), Kivy-free.

Offered when the looked-up dossier has no result in the lockers yet (still being processed,
or ready at the counter): the citizen types recipient, full address and optionally a phone;
the server sends a 6-digit code to the contact ALREADY ON FILE for the dossier (never shown
here, only masked) and the request is recorded when that code is typed back at this kiosk.

    not_ready ─postal_start→ postal_form ─postal_send→ postal_code ─postal_confirm→ postal_done
    (postal_form: no contact on file / too many codes → message; postal_code: wrong code with
    tries left, slowed, expired → message)
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from kiosk_app.api import ApiError, NotFound, Unreachable

# dossier statuses whose result may still go by post (the server has the last word)
OFFER_POST = frozenset({1, 2, 4, 5, 6, 9})

MESSAGES: dict[str, tuple[str, str]] = {
    "not_ready": ("{status}. {next_step}", "{status_en}. {next_step_en}"),
    "postal_form": ("Nhập họ tên người nhận, địa chỉ đầy đủ (số nhà, đường, phường/xã, tỉnh) và điện thoại nếu muốn",
                    "Type the recipient's name, the full address (number, street, ward, province) and a phone "
                    "if you like"),
    "postal_invalid": ("{server_message}", "{server_message}"),
    "postal_code": ("Đã gửi mã xác nhận 6 số tới {sent_to} (số điện thoại/e-mail đã đăng ký với hồ sơ). "
                    "Mời nhập mã để xác nhận gửi tới {address}",
                    "A 6-digit code was sent to {sent_to} (the contact on file for this dossier). "
                    "Type it to confirm sending to {address}"),
    "postal_wrong": ("Mã xác nhận không đúng, còn {tries_left} lần thử", "Wrong code, {tries_left} tries left"),
    "postal_slowed": ("Đã nhập sai mã nhiều lần. Mời thử lại sau {minutes} phút",
                      "Too many wrong codes. Try again in {minutes} min"),
    "postal_wait": ("Mã vừa được gửi. Có thể yêu cầu lại sau {minutes} phút",
                    "A code was sent just now. You can ask again in {minutes} min"),
    "postal_expired": ("Mã xác nhận đã hết hạn. Mời làm lại yêu cầu", "The code has expired. Please start again"),
    "postal_no_contact": ("Hồ sơ không có số điện thoại hay e-mail để gửi mã xác nhận. Mời ông/bà đến quầy trả "
                          "kết quả, cán bộ sẽ đăng ký gửi qua bưu điện",
                          "There is no phone or e-mail on file to send a confirmation code to. Please go to the "
                          "result counter: an officer will arrange the post"),
    "postal_done": ("Đã đăng ký nhận kết quả qua bưu điện. Khi có kết quả, bưu điện sẽ chuyển đến {address}; "
                    "ông/bà sẽ nhận tin nhắn xác nhận. Không cần quay lại trung tâm",
                    "Your result will be sent by post. When it is ready the post office delivers it to {address}; "
                    "a confirmation message is on its way to you. No need to come back"),
}


class PostalCalls:
    """Server calls, mixed into `LockerClient` (the kiosk's device key). Refusals come back as
    `VerifyRefused` with the server's `tries_left` / `retry_after_s`."""

    def dossier_status(self, code: str) -> dict[str, Any] | None:
        """Status and next step of a dossier (as the kiosk may see it), or None if unknown."""
        try:
            return self._call("GET", f"/api/v1/dossiers/{quote(code, safe='')}")
        except NotFound:
            return None

    def postal_request(self, code: str, recipient: str, address: str, phone: str) -> dict[str, Any]:
        body = {"recipient": recipient, "address": address, **({"phone": phone} if phone else {})}
        return self._pickup(f"/api/v1/dossiers/{quote(code, safe='')}/postal", body)

    def postal_confirm(self, code: str, handle: str, otp: str) -> dict[str, Any]:
        return self._pickup(f"/api/v1/dossiers/{quote(code, safe='')}/postal/confirm", {"confirm": handle, "code": otp})


def _minutes(seconds: float) -> int:
    return max(1, -(-int(seconds) // 60))


class PostalSteps:
    """The postal verbs of `ResultFlow` (uses its `_go`, `client`, `view`)."""
    _postal_handle = ""

    def offer_post(self, code: str) -> Any:
        """*Blocking*: no result in the lockers: say where the dossier stands, offer the post if it may go."""
        try:
            info = self.client.dossier_status(code)
        except (Unreachable, ApiError):
            info = None
        if not info or info.get("status") not in OFFER_POST:
            return None
        return self._go("not_ready", dossier=code, values={
            "status": info.get("status_name", ""), "status_en": info.get("status_name_en", ""),
            "next_step": info.get("next_step", ""), "next_step_en": info.get("next_step_en", "")})

    def postal_start(self) -> Any:
        if self.view.state != "not_ready" or not self.view.dossier:
            return self.view
        self._postal_handle = ""
        return self._go("postal_form")

    def postal_send(self, recipient: str, address: str, phone: str = "") -> Any:
        """*Blocking*: the server sends a code to the contact on file; only masked values come back."""
        if self.view.state != "postal_form":
            return self.view
        from kiosk_app.result.lockers import VerifyRefused
        try:
            sent = self.client.postal_request(self.view.dossier, recipient.strip(), address.strip(), phone.strip())
        except VerifyRefused as exc:
            if exc.code == "no_contact":
                return self._go("message", "postal_no_contact")
            if exc.code == "rate_limited" and exc.retry_after_s:
                return self._go("postal_form", "postal_wait", values={"minutes": _minutes(exc.retry_after_s)})
            if exc.status == 422:
                return self._go("postal_form", "postal_invalid", values={"server_message": exc.message})
            return self._go("message", "refused", values={"server_message": exc.message, "bank_name": "",
                                                          "bank_name_en": ""})
        except Unreachable:
            return self._go("postal_form", "offline")
        self._postal_handle = sent["confirm"]
        return self._go("postal_code", tries_left=None, values={
            "sent_to": ", ".join(str(c) for c in sent.get("sent_to") or ()) or "…", "address": sent.get("address", "")})

    def postal_confirm(self, otp: str) -> Any:
        """*Blocking*: the code the applicant received."""
        if self.view.state != "postal_code" or not self._postal_handle:
            return self.view
        from kiosk_app.result.lockers import VerifyRefused
        kept = dict(self.view.values)
        try:
            done = self.client.postal_confirm(self.view.dossier, self._postal_handle, otp.strip())
        except VerifyRefused as exc:
            if exc.code == "wrong_code":
                if exc.retry_after_s:
                    return self._go("postal_code", "postal_slowed", values={**kept, "minutes": _minutes(exc.retry_after_s)})
                return self._go("postal_code", "postal_wrong", tries_left=exc.tries_left,
                                values={**kept, "tries_left": exc.tries_left})
            if exc.code == "rate_limited" and exc.retry_after_s:
                return self._go("postal_code", "postal_slowed", values={**kept, "minutes": _minutes(exc.retry_after_s)})
            self._postal_handle = ""
            if exc.code == "code_expired":
                return self._go("message", "postal_expired")
            return self._go("message", "refused", values={"server_message": exc.message, "bank_name": "",
                                                          "bank_name_en": ""})
        except Unreachable:
            return self._go("postal_code", "offline")
        self._postal_handle = ""
        return self._go("postal_done", values={"address": done.get("address", "")})
