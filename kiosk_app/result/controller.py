"""The result kiosk inside the kiosk app: `ResultFlow` + `LockerService` behind the Kivy screens.

`ResultKioskController` is the kiosk's controller (language, large text, idle
reset, scanner, topbar) plus the locker bank: at start it connects the bank
off the UI thread, reconciles every door with the server and starts the
background loop (`run_forever`). Screen taps call the methods below; every
`ResultFlow` verb runs on one worker thread (they block while a door is open),
and each `FlowView` the flow publishes is posted back to the UI thread, where
it picks the screen. Kivy-free, like the ticket controller.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from kiosk_app.ticket.controller import KioskController
from kiosk_app.input import keypad
from kiosk_app.result.flow import FlowView
from kiosk_app.result.postal_keys import POSTAL_FIELDS, PostalKeys

log = logging.getLogger(__name__)

# flow state -> screen
SCREEN_FOR = {
    "idle": "result_home", "enter_code": "result_code", "opening": "result_door", "door_open": "result_door",
    "collected": "result_outcome", "not_taken": "result_outcome", "door_failed": "result_outcome",
    "locked": "result_outcome", "message": "result_outcome", "slowed": "result_outcome",
    "staff_login": "result_login",
    "staff_ready": "result_staff", "deposit_opening": "result_deposit", "deposit_open": "result_deposit",
    "deposit_done": "result_deposit", "deposit_empty": "result_deposit", "deposit_failed": "result_deposit",
    "not_ready": "result_outcome", "postal_form": "result_postal", "postal_code": "result_postal_code",
    "postal_done": "result_outcome",
}
DOOR_STATES = ("opening", "door_open", "deposit_opening", "deposit_open")   # no "home" while a door is in play
CODE_LENGTH = 6
RECONNECT_EVERY = 10.0


class SlipPrinter:
    """The kiosk's printer (driver loaded lazily) as the flow's slip printer."""

    def __init__(self, kiosk_printer: Any):
        self.kiosk_printer = kiosk_printer

    def new_slip(self) -> Any:
        return self.kiosk_printer.driver.new_slip()

    def print_slip(self, slip: Any) -> Any:
        return self.kiosk_printer.driver.print_slip(slip)


class ResultKioskController(PostalKeys, KioskController):
    def __init__(self, config: Any, *, connect: Callable[[], Any] | None = None, **kw: Any):
        super().__init__(config, **kw)
        self.flow: Any = None
        self.service: Any = None
        self.view = FlowView()
        self.lockers_state = "starting"        # starting | ready | down
        self.lockers_error = ""
        self._connect = connect or self._connect_bank
        self._connecting = False
        self._next_connect = 0.0
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-flow")
        self._stop = threading.Event()
        self.running = False                   # a flow verb is in progress
        self.typed = ""                        # dossier code on the keypad (citizen or staff)
        self.letters = False
        self.typed_error = ""                  # "" | "invalid"
        self.otp = ""
        self.username = ""
        self.pin = ""
        self.field = "username"
        self.size = "S"
        self.postal = dict.fromkeys(POSTAL_FIELDS, "")   # typed for the post; wiped when done or idle
        self.postal_field = "recipient"
        self.shift = False
        self.postal_error = ""                 # "" | "missing": a required field is empty
        self.health_probes["board"] = self._board_health   # device health reports: the lock boards

    @property
    def result_home(self) -> str:
        return "result_home" if self.config.role == "result" else "home"

    @property
    def hide_home_button(self) -> bool:
        return self.screen == "result_home" or self.view.state in DOOR_STATES or self.running

    # -- start: the bank, off the UI thread --------------------------------------------
    def start(self) -> None:
        super().start()
        if self.config.role == "result":
            self.show("result_home")
        self._start_bank()

    def _start_bank(self) -> None:
        if self._connecting or not self.config.locker_url:
            if not self.config.locker_url:
                self.lockers_state, self.lockers_error = "down", "no locker URL in the config ([devices] locker)"
            return
        self._connecting = True
        self.runner.submit(self._connect, self._connected)

    def _connect_bank(self) -> tuple[Any, Any]:
        from kiosk_app.peripherals.devices import KioskPrinter
        from kiosk_app.result.lockers import LockerClient, LockerService
        from kiosk_app.result.flow import ResultFlow

        cfg = self.config
        # the background watch polls the boards every 2 s: frame dumps would fill the kiosk's log
        logging.getLogger("motcua.drivers.locker").setLevel(logging.INFO)
        client = LockerClient(cfg.server_url, cfg.device_key, timeout=cfg.server_timeout)
        service = LockerService.connect(cfg.locker_url, client, cfg.kiosk_id)
        service.reconcile()          # a door left open by a killed kiosk is read back before anything else
        printer = SlipPrinter(self.printer) if isinstance(self.printer, KioskPrinter) else self.printer
        flow = ResultFlow(cfg.kiosk_id, client, service, printer=printer, idle_timeout=cfg.idle_timeout,
                          center_name=str(self.site.get("center_name") or ""))
        return flow, service

    def _connected(self, result: Any, error: BaseException | None) -> None:
        self._connecting = False
        if error is not None:
            self.lockers_state, self.lockers_error = "down", str(error)[:300]
            self._next_connect = self.clock() + RECONNECT_EVERY
            log.error("locker bank %s (%s): %s", self.config.kiosk_id, self.config.locker_url, error)
            self.changed()
            return
        self.flow, self.service = result
        self.view = self.flow.view
        post = getattr(self.runner, "post", None) or (lambda fn: fn())
        self.flow.subscribe(lambda view: post(lambda: self.on_view(view)))
        threading.Thread(target=self.service.run_forever, args=(self._stop,), daemon=True,
                         name="locker-loop").start()
        self.lockers_state, self.lockers_error = "ready", ""
        self.changed()

    def _board_health(self) -> tuple[str, str]:
        return ("ok", "") if self.lockers_state == "ready" else ("error", self.lockers_error or "not connected")

    def shutdown(self) -> None:
        self._stop.set()
        self._worker.shutdown(wait=False, cancel_futures=True)
        if self.service is not None:
            self.service.close()

    # -- the flow's views (UI thread) -------------------------------------------------
    def on_view(self, view: FlowView) -> None:
        self.view = view
        if view.state == "idle" and view.mode == "citizen":
            screen = self.result_home
        else:
            screen = SCREEN_FOR.get(view.state, "result_outcome")
        if screen == "result_code" and view.message in ("wrong_code", "new_code_sent"):
            self.otp = ""
        if view.state not in ("postal_form", "postal_code"):
            self.clear_postal()   # recorded, refused or abandoned: the address leaves the kiosk's memory
        if view.message in ("postal_wrong", "postal_code") or view.state == "postal_form":
            self.otp = ""
        if view.message == "invalid" and self.typed:   # the server says the typed code is no code
            screen, self.typed_error = "result_dossier" if view.mode == "citizen" else "result_staff", "invalid"
        if self.speaker is not None and self.config.speech and view.state != "idle":
            self.speaker(view.text(self.lang), self.lang)
        self.touch()
        if screen != self.screen:
            self.show(screen)
        else:
            self.changed()

    def _run(self, verb: str, *args: Any) -> bool:
        """Run a flow verb on the worker thread; one at a time (a second tap while busy is ignored)."""
        if self.flow is None or self.running:
            return False
        self.running = True
        post = getattr(self.runner, "post", None) or (lambda fn: fn())
        fn = getattr(self.flow, verb)

        def work() -> None:
            try:
                fn(*args)
            except Exception:    # the flow handles device/server errors; anything else must not freeze a screen
                log.exception("result flow %s failed", verb)
                post(lambda: self.on_view(FlowView(state="message", message="error", mode=self.view.mode,
                                                   staff=self.view.staff)))
            finally:
                post(self._finished)
        self._worker.submit(work)
        self.changed()
        return True

    def _finished(self) -> None:
        self.running = False
        self.changed()

    # -- citizen --------------------------------------------------------------------------
    def open_typing(self) -> None:
        self.touch()
        self.typed, self.letters, self.typed_error = "", False, ""
        self.show("result_dossier")

    def dossier_key(self, key: str) -> None:
        """Dossier-code keypad (citizen and staff): digits . - letters, Del, Clear, OK."""
        self.touch()
        if key == "letters":
            self.letters = not self.letters
        elif key == "ok":
            self._submit_dossier()
            return
        else:
            self.typed = keypad.edit(self.typed, key)
        self.typed_error = ""
        self.changed()

    def _submit_dossier(self) -> None:
        code = self.typed.strip().upper()   # the server says whether it is a dossier code
        if not code:
            self.typed_error = "invalid"
            self.changed()
            return
        self.typed_error = ""
        if self.view.mode == "staff":
            self._run("deposit", code, self.size)
        else:
            self.otp = ""
            self._run("enter_dossier", code)

    def code_key(self, key: str) -> None:
        """The 6-digit pickup code."""
        self.six_digits(key, "submit_code")

    def six_digits(self, key: str, verb: str) -> None:
        """A 6-digit code on the keypad (pickup or postal confirmation); OK hands it to the flow's `verb`."""
        self.touch()
        if key == "back":
            self.otp = self.otp[:-1]
        elif key == "clear":
            self.otp = ""
        elif key == "ok":
            if len(self.otp) == CODE_LENGTH:
                otp, self.otp = self.otp, ""
                self._run(verb, otp)
            return
        elif key.isdigit() and len(self.otp) < CODE_LENGTH:
            self.otp += key
        self.changed()

    def new_code(self) -> None:
        """"Send me a new code" (code screen, or slowed down after wrong codes): to the contact on file."""
        self.touch()
        if self.view.dossier:
            self._run("request_new_code")

    def try_again(self) -> None:
        """After a door that did not open or a result not taken: the code is still valid, ask for it again."""
        self.touch()
        if self.view.dossier:
            self.otp = ""
            self._run("enter_dossier", self.view.dossier)

    def done(self) -> None:
        self.touch()
        self.typed = self.otp = ""
        self._run("reset")


    # -- staff ---------------------------------------------------------------------------
    def open_staff(self) -> None:
        self.touch()
        self.username = self.pin = ""
        self.field = "username"
        self.show("result_login")

    def choose_field(self, field: str) -> None:
        self.touch()
        self.field = field if field in ("username", "pin") else "username"
        self.changed()

    def login_key(self, key: str) -> None:
        self.touch()
        value = self.username if self.field == "username" else self.pin
        if key == "back":
            value = value[:-1]
        elif key == "clear":
            value = ""
        elif key == "next":
            self.field = "pin" if self.field == "username" else "username"
        elif key == "ok":
            if self.username and self.pin:
                pin, self.pin = self.pin, ""
                self._run("staff_login", self.username, pin)
            elif not self.username:
                self.field = "username"
            else:
                self.field = "pin"
            self.changed()
            return
        elif len(key) == 1 and len(value) < 64:
            value += key
        if key != "next":
            if self.field == "username":
                self.username = value
            else:
                self.pin = value
        self.changed()

    def choose_size(self, size: str) -> None:
        self.touch()
        if size in ("S", "M", "L"):
            self.size = size
            self.changed()

    def staff_logout(self) -> None:
        self.touch()
        self.typed = self.pin = self.username = ""
        if self.view.mode == "staff":
            self._run("staff_logout")
        else:
            self.show(self.result_home)

    # -- kiosk-wide hooks ----------------------------------------------------------------
    def go_home(self) -> None:
        """Home (topbar or idle reset). Never while a door is in play; a staff session ends (public kiosk)."""
        if self.running or self.view.state in DOOR_STATES:
            self.touch()
            return
        self.typed = self.otp = self.pin = self.username = ""
        self.clear_postal()
        if self.flow is not None and (self.view.mode == "staff" or self.view.state != "idle"):
            self.reset_session()
            self.touch()
            self._run("staff_logout" if self.view.mode == "staff" else "reset")
            return
        super().go_home()
        if self.screen == "home" and self.config.role == "result":
            self.show("result_home")

    def show(self, screen: str) -> None:
        if screen in ("home", "offline") and self.config.role == "result":
            screen = "result_home"   # a result kiosk has no ticket screens; its home says when the server is away
        super().show(screen)

    def scanned(self, text: str) -> None:
        """Scanner read on the UI thread: receipt QR → pickup; staff mode → deposit at the chosen size."""
        from drivers.scanner.payloads import classify

        self.touch()
        found = classify(text, salt=self.config.id_salt.encode())
        if self.flow is None or (found.kind != "dossier" and self.config.role == "both" and self.view.mode != "staff"):
            super().scanned(text)
            return
        if self.running or self.view.state in DOOR_STATES:
            return
        if self.view.mode == "staff" and found.kind == "dossier":
            self._run("deposit", found.code, self.size)
        else:
            self._run("scan", text)

    def tick(self) -> None:
        super().tick()
        if self.lockers_state == "down" and self.config.locker_url and self.clock() >= self._next_connect:
            self._start_bank()

    def _tick_idle(self, now: float) -> bool:
        if self.screen == "result_home" or self.running or self.view.state in DOOR_STATES:
            if self.idle_left is not None:
                self.idle_left = None
                return True
            return False
        return super()._tick_idle(now)
