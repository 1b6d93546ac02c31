"""Result kiosk controller (Kivy-free): citizen pickup and staff deposit as one state machine.

Screens read `flow.view` (a frozen `FlowView`) and call the verbs below; every
change is pushed to `subscribe()`d listeners, from whatever thread made it
(Kivy screens hop to the UI thread). Verbs marked *blocking* drive the locker
and the server (seconds); run them on a worker thread (the kiosk's runner).

Citizen:  idle ─scan/enter_dossier→ enter_code ─submit_code→ opening → door_open → collected | not_taken
          (or: no_result, elsewhere, at_counter, locked, wrong code → enter_code with tries_left, door_failed,
          slowed after too many wrong codes)
          enter_code | slowed ─request_new_code→ enter_code "new code sent to 09•••" | cool-down message
          no result in the lockers yet → not_ready ─postal_start→ postal_form → postal_code → postal_done
          (receive the result by post: kiosk_app.result.postal)
Staff:    staff_login → staff_ready ─deposit(code)→ deposit_opening → deposit_open → deposit_done
          (or: deposit_empty, deposit_failed, refused) ; staff_logout → idle
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from drivers.scanner.payloads import classify

from kiosk_app.api import ApiError, Refused, Unreachable
from kiosk_app.result.lockers import LockerClient, LockerService, VerifyRefused
from kiosk_app.result.postal import MESSAGES as POSTAL_MESSAGES
from kiosk_app.result.postal import PostalSteps

log = logging.getLogger(__name__)

MESSAGES: dict[str, tuple[str, str]] = {
    "scan": ("Quét mã QR trên giấy hẹn trả kết quả hoặc nhập mã hồ sơ",
             "Scan the QR code on your appointment receipt or type the dossier code"),
    "not_a_dossier": ("Mã vừa quét không phải mã hồ sơ. Vui lòng quét mã QR trên giấy hẹn",
                      "That is not a dossier code. Please scan the QR code on your receipt"),
    "enter_code": ("Nhập mã nhận 6 số đã gửi qua tin nhắn", "Enter the 6-digit pickup code you received"),
    "wrong_code": ("Mã không đúng, còn {tries_left} lần thử", "Wrong code, {tries_left} tries left"),
    "locked": ("Nhập sai quá nhiều lần, hồ sơ đã bị khóa. Nhân viên sẽ hỗ trợ ông/bà",
               "Too many wrong codes: the dossier is locked. Staff will help you"),
    "invalid": ("Mã này không đúng dạng mã hồ sơ. Vui lòng kiểm tra lại", "This is not a dossier code. Please check it"),
    "no_result": ("Chưa có kết quả trong tủ cho hồ sơ này", "There is no result in the lockers for this dossier"),
    "already_collected": ("Kết quả của hồ sơ này đã được nhận", "This result has already been collected"),
    "elsewhere": ("Kết quả ở {bank_name}", "Your result is at {bank_name_en}"),
    "at_counter": ("Kết quả đã chuyển về quầy trả kết quả, mời ông/bà đến quầy",
                   "Your result is at the result counter now; please go there"),
    "code_expired": ("Mã nhận đã hết hạn, mời đến quầy trả kết quả", "The pickup code has expired; please go to the counter"),
    "busy": ("Ngăn tủ đang được sử dụng, vui lòng thử lại sau ít phút", "The compartment is in use, please try again shortly"),
    "rate_limited": ("Quá nhiều lần thử, vui lòng chờ một phút", "Too many attempts, please wait a minute"),
    "slowed": ("Đã nhập sai mã nhiều lần. Mời thử lại sau {minutes} phút, hoặc bấm \"Gửi lại mã mới\" "
               "để nhận mã mới qua số điện thoại đã đăng ký",
               "Too many wrong codes. Try again in {minutes} min, or tap \"Send me a new code\" "
               "to get a new one on the phone on file"),
    "new_code_sent": ("Đã gửi mã nhận mới tới {sent_to}. Mã cũ không còn dùng được. Mời nhập mã mới",
                      "A new pickup code was sent to {sent_to}. The old code no longer works. Enter the new code"),
    "new_code_wait": ("Mã vừa được gửi. Có thể yêu cầu mã mới sau {minutes} phút",
                      "A code was sent recently. You can ask for a new one in {minutes} min"),
    "no_contact": ("Hồ sơ không có số điện thoại hay e-mail để gửi mã. Mời đến quầy trả kết quả",
                   "There is no phone or e-mail on file to send a code to. Please go to the result counter"),
    "opening": ("Đang mở ngăn số {compartment}…", "Opening compartment {compartment}…"),
    "door_open": ("Mời lấy kết quả ở ngăn số {compartment} và đóng cửa lại",
                  "Take your result from compartment {compartment} and close the door"),
    "close_door": ("Vui lòng đóng cửa ngăn số {compartment}", "Please close the door of compartment {compartment}"),
    "collected": ("Ông/bà đã nhận kết quả. Cảm ơn ông/bà!", "You have collected your result. Thank you!"),
    "not_taken": ("Kết quả vẫn còn trong ngăn. Mã nhận của ông/bà vẫn còn hiệu lực",
                  "Your result is still in the compartment. Your code is still valid"),
    "door_failed": ("Không mở được ngăn tủ. Kết quả chưa được giao, mã của ông/bà vẫn còn hiệu lực. Nhân viên đã được báo",
                    "The compartment did not open. Nothing was handed over and your code is still valid. Staff have been told"),
    "offline": ("Mất kết nối máy chủ, vui lòng thử lại sau", "No connection to the server, please try again later"),
    "error": ("Có lỗi xảy ra, vui lòng liên hệ nhân viên", "Something went wrong, please ask staff"),
    "staff_login": ("Cán bộ đăng nhập", "Staff sign-in"),
    "staff_login_failed": ("Sai tên đăng nhập hoặc mã PIN", "Wrong username or PIN"),
    "staff_ready": ("Quét mã hồ sơ của kết quả cần gửi vào tủ", "Scan the dossier code of the result to deposit"),
    "deposit_opening": ("Đang mở ngăn số {compartment}…", "Opening compartment {compartment}…"),
    "deposit_open": ("Đặt kết quả vào ngăn số {compartment} rồi đóng cửa",
                     "Put the result in compartment {compartment} and close the door"),
    "deposit_done": ("Đã gửi vào ngăn số {compartment}. Công dân sẽ nhận được tin nhắn kèm mã nhận",
                     "Deposited in compartment {compartment}. The applicant will receive a pickup code"),
    "deposit_empty": ("Ngăn số {compartment} đã đóng nhưng không thấy kết quả bên trong. Hãy gửi lại",
                      "Compartment {compartment} closed with nothing inside. Please deposit again"),
    "deposit_failed": ("Ngăn số {compartment} không mở được và đã tạm ngưng. Quét lại để dùng ngăn khác",
                       "Compartment {compartment} did not open and is out of service. Scan again to use another"),
    "refused": ("{server_message}", "{server_message}"),
    **POSTAL_MESSAGES,
}
IDLE_STATES = ("enter_code", "no_result", "collected", "not_taken", "door_failed", "locked", "message", "slowed",
               "not_ready", "postal_form", "postal_code", "postal_done")
CODE_ERRORS = {"no_result": "no_result", "already_collected": "already_collected", "at_counter": "at_counter",
               "wrong_kiosk": "elsewhere", "code_expired": "code_expired", "busy": "busy", "locked": "locked",
               "rate_limited": "rate_limited", "invalid_code": "invalid"}


def _minutes(seconds: float) -> int:
    return max(1, -(-int(seconds) // 60))


@dataclass(frozen=True)
class FlowView:
    state: str = "idle"
    mode: str = "citizen"               # "citizen" | "staff"
    message: str = "scan"               # key of MESSAGES
    values: tuple = ()                  # (name, value) pairs filled into the message
    dossier: str = ""
    compartment: int | None = None
    door_open: bool | None = None       # live, while a door is in play
    item: bool | None = None
    tries_left: int | None = None
    slip_printed: bool | None = None
    staff: str = ""

    def text(self, lang: str = "vi") -> str:
        vi, en = MESSAGES[self.message]
        values = {"compartment": self.compartment, **dict(self.values)}
        return (en if lang == "en" else vi).format(**values)


class ResultFlow(PostalSteps):
    def __init__(self, kiosk: str, client: LockerClient, lockers: LockerService, *, printer: Any = None,
                 clock: Callable[[], float] = time.monotonic, idle_timeout: float = 45.0,
                 close_timeout: float = 60.0, center_name: str = ""):
        self.kiosk, self.client, self.lockers, self.printer = kiosk, client, lockers, printer
        self.clock, self.idle_timeout, self.close_timeout = clock, idle_timeout, close_timeout
        self.center_name = center_name
        self.view = FlowView()
        self.listeners: list[Callable[[FlowView], None]] = []
        self._token = ""
        self._touched = clock()
        self._lock = threading.Lock()
        self.last_receipt: dict[str, Any] | None = None

    # -- plumbing ---------------------------------------------------------------
    def subscribe(self, listener: Callable[[FlowView], None]) -> None:
        self.listeners.append(listener)

    def _go(self, state: str, message: str | None = None, **changes: Any) -> FlowView:
        values = changes.pop("values", None)
        with self._lock:
            self.view = replace(self.view, state=state, message=message or state,
                                values=tuple(values.items()) if values else (), **changes)
            view = self.view
        self._touched = self.clock()
        for listener in list(self.listeners):
            try:
                listener(view)
            except Exception:
                log.exception("result flow listener failed")
        return view

    def _home(self) -> FlowView:
        if self.view.mode == "staff":
            return self._go("staff_ready", dossier="", compartment=None, door_open=None, item=None)
        return self._go("idle", "scan", dossier="", compartment=None, door_open=None, item=None, tries_left=None,
                        slip_printed=None)

    def reset(self) -> FlowView:
        return self._home()

    def tick(self, now: float | None = None) -> None:
        """Call every second: a finished or abandoned screen goes home after `idle_timeout`."""
        now = self.clock() if now is None else now
        if self.view.state in IDLE_STATES and now - self._touched >= self.idle_timeout:
            self._home()

    # -- citizen -------------------------------------------------------------------
    def scan(self, text: str) -> FlowView:
        """A scanner read: receipt QR / dossier code (citizen), or the result's dossier code (staff: deposits)."""
        found = classify(text)
        if found.kind != "dossier":
            return self._go(self.view.state if self.view.mode == "staff" else "message", "not_a_dossier")
        if self.view.mode == "staff":
            return self.deposit(found.code)
        return self.enter_dossier(found.code)

    def enter_dossier(self, code: str) -> FlowView:
        code = code.strip()
        try:
            info = self.client.lookup(self.kiosk, code)
        except Unreachable:
            return self._go("message", "offline", dossier=code)
        except ApiError as exc:
            return self._refused(exc, dossier=code)
        state = info.get("state")
        if state == "ready":
            return self._go("enter_code", dossier=code, tries_left=None)
        if state == "none":   # not in a locker: still being processed, or at the counter: the post may do
            offered = self.offer_post(code)
            if offered is not None:
                return offered
        key = {"none": "no_result", "collected": "already_collected", "at_counter": "at_counter",
               "elsewhere": "elsewhere", "locked": "locked", "busy": "busy"}.get(state, "error")
        return self._go("locked" if key == "locked" else "message", key, dossier=code,
                        values={"bank_name": info.get("bank_name", ""), "bank_name_en": info.get("bank_name_en", "")})

    def submit_code(self, otp: str) -> FlowView:
        """*Blocking*: check the code, open the door, follow it until closed, print the slip."""
        if self.view.state != "enter_code":
            return self.view
        try:
            parcel = self.client.verify(self.kiosk, self.view.dossier, otp.strip())
        except VerifyRefused as exc:
            if exc.code == "wrong_code":
                return self._go("enter_code", "wrong_code", tries_left=exc.tries_left,
                                values={"tries_left": exc.tries_left})
            if exc.code == "rate_limited" and exc.status == 429 and exc.retry_after_s:
                # this dossier is slowed down after wrong codes: wait, or a new code to the phone on file
                return self._go("slowed", values={"minutes": _minutes(exc.retry_after_s)})
            key = CODE_ERRORS.get(exc.code, "refused")
            return self._go("locked" if key == "locked" else "message", key,
                            values={"server_message": exc.message, "bank_name": "", "bank_name_en": ""})
        except Unreachable:
            return self._go("enter_code", "offline")
        n, pid = parcel["compartment"], parcel["id"]
        self._go("opening", compartment=n)
        result, answer = self.lockers.open(n, parcel_id=pid)
        if result is None:
            self.lockers.release(n)
            return self._go("door_failed", door_open=False)
        self._go("door_open", door_open=True, item=None)
        state, answer = self._follow_door(n, pid)
        if state is None:
            return self.view  # left open: the watcher and the server's alerts take it from here
        outcome = (answer.get("parcel") or {}).get("state") if answer.get("result") == "stale" else answer.get("result")
        if outcome == "collected":
            self.last_receipt = answer.get("receipt")
            return self._go("collected", door_open=False, item=False, slip_printed=self._print_slip(answer))
        return self._go("not_taken", door_open=False, item=state.item)

    def request_new_code(self) -> FlowView:
        """*Blocking*: "Send me a new code" (code screen or slowed down). The server sends it to the
        contact on file, never to the kiosk; the screen shows only the masked contact it answers."""
        if self.view.state not in ("enter_code", "slowed") or not self.view.dossier:
            return self.view
        state = self.view.state
        try:
            sent = self.client.new_code(self.kiosk, self.view.dossier)
        except VerifyRefused as exc:
            if exc.code == "rate_limited":
                return self._go(state, "new_code_wait", values={"minutes": _minutes(exc.retry_after_s or 60)})
            if exc.code == "no_contact":
                return self._go("message", "no_contact")
            key = CODE_ERRORS.get(exc.code, "refused")
            return self._go("locked" if key == "locked" else "message", key,
                            values={"server_message": exc.message, "bank_name": "", "bank_name_en": ""})
        except Unreachable:
            return self._go(state, "offline")
        sent_to = ", ".join(str(c) for c in sent.get("sent_to") or ()) or "…"
        return self._go("enter_code", "new_code_sent", tries_left=None, values={"sent_to": sent_to})

    def _follow_door(self, n: int, pid: int) -> tuple[Any, dict]:
        def live(s: Any) -> None:
            if (s.door_open, s.item) != (self.view.door_open, self.view.item):
                self._go(self.view.state, self.view.message, door_open=s.door_open, item=s.item)
        state, answer = self.lockers.wait_closed(n, parcel_id=pid, timeout=self.close_timeout, on_poll=live)
        if state is None:  # left open past the deadline: ask again, once, then let the watcher finish
            self._go("door_open", "close_door")
            state, answer = self.lockers.wait_closed(n, parcel_id=pid, timeout=self.close_timeout * 3, on_poll=live)
        if state is None:
            self.lockers.release(n)
        return state, answer

    def _print_slip(self, answer: dict[str, Any]) -> bool | None:
        receipt = answer.get("receipt")
        if self.printer is None or not receipt:
            return None
        try:
            slip = self.printer.new_slip()
            if self.center_name:
                slip.text(self.center_name, align="center", bold=True)
            slip.title("PHIẾU NHẬN KẾT QUẢ").rule()
            slip.kv("Mã hồ sơ", receipt["dossier"]).kv("Người nộp", receipt["applicant"] or "-")
            if receipt.get("procedure"):
                slip.text(receipt["procedure"])
            at = datetime.fromisoformat(receipt["collected_at"]).strftime("%H:%M %d/%m/%Y")
            slip.kv("Nhận lúc", at).kv("Tủ", receipt["bank_name"]).kv("Ngăn số", receipt["compartment"])
            slip.rule().text("Cảm ơn quý khách! / Thank you!", align="center").feed(1).cut()
            self.printer.print_slip(slip)
            return True
        except Exception as exc:  # the result is collected anyway; the slip is a courtesy
            log.warning("pickup slip not printed: %s", exc)
            return False

    # -- staff ----------------------------------------------------------------------
    def staff_login(self, username: str, pin: str) -> FlowView:
        try:
            self._token = self.client.login(username, pin)
        except Unreachable:
            return self._go("staff_login", "offline")
        except ApiError:
            return self._go("staff_login", "staff_login_failed")
        return self._go("staff_ready", mode="staff", staff=username)

    def staff_logout(self) -> FlowView:
        self._token = ""
        self.view = replace(self.view, mode="citizen", staff="")
        return self._home()

    def deposit(self, code: str, size: str = "S") -> FlowView:
        """*Blocking* (staff): reserve a compartment, open it, wait for the door to close on the result."""
        if self.view.mode != "staff":
            return self.view
        try:
            parcel = self.client.deposit(self.kiosk, code.strip(), size, self._token)
        except Unreachable:
            return self._go("staff_ready", "offline")
        except Refused as exc:
            if exc.status == 401:
                return self.staff_logout()
            return self._refused(exc, state="staff_ready")
        except ApiError as exc:
            return self._refused(exc, state="staff_ready")
        n, pid = parcel["compartment"], parcel["id"]
        self._go("deposit_opening", dossier=code, compartment=n)
        result, _ = self.lockers.open(n, parcel_id=pid)
        if result is None:
            self.lockers.release(n)
            return self._go("deposit_failed", door_open=False)
        self._go("deposit_open", door_open=True)
        state, answer = self._follow_door(n, pid)
        if state is None:
            return self.view
        done = answer.get("result") == "ready" or (answer.get("parcel") or {}).get("state") == "ready"
        return self._go("deposit_done" if done else "deposit_empty", door_open=False, item=state.item)

    def _refused(self, exc: ApiError, state: str = "message", **changes: Any) -> FlowView:
        key = CODE_ERRORS.get(getattr(exc, "code", ""), "refused")
        return self._go(state, key, values={"server_message": exc.message, "bank_name": "", "bank_name_en": ""},
                        **changes)
