"""The kiosk's flow and every decision in it, without Kivy.

Screens call the ``do_*``-style methods below when touched; the controller
changes its state and notifies listeners, and the screens redraw from that
state. Slow work (HTTP, printing) goes through a runner so the UI thread never
waits; its results come back through ``on_done`` callbacks on the UI thread.
Time comes from ``tick(now)`` so idle reset and retries are testable.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Callable

from kiosk_app.api import ServerClient
from kiosk_app.config import KioskConfig
from kiosk_app.i18n import N_, other_language, tr
from kiosk_app.ticket.appointment import AppointmentMixin, booking_code
from kiosk_app.ticket.lookup import LookupMixin
from kiosk_app.models import PriorityGroup, Service, groups_from_site
from kiosk_app.runner import InlineRunner
from kiosk_app.ticket.issuing import TicketingMixin

log = logging.getLogger(__name__)

HOME_SCREENS = ("home", "offline")
REFRESH_EVERY = 10.0     # live waiting counts
NOTICE_SECONDS = 6.0


@dataclass
class Notice:
    message: str          # msgid, translated when shown
    kind: str             # "info" | "warn"
    until: float
    values: dict

    def text(self, lang: str) -> str:
        return tr(self.message, lang, **self.values)


class KioskController(TicketingMixin, LookupMixin, AppointmentMixin):
    def __init__(self, config: KioskConfig, *, api: ServerClient | None = None, runner: Any = None,
                 printer: Any = None, speaker: Callable[[str, str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.api = api or ServerClient(config.server_url, config.device_key, timeout=config.server_timeout)
        self.runner = runner or InlineRunner()
        self.printer = printer
        self.speaker = speaker
        self.clock = clock
        self.listeners: list[Callable[["KioskController"], None]] = []
        self.lang = config.language
        self.large_text = config.large_text
        self.screen = "starting"
        self.history: list[str] = []
        self.site: dict[str, Any] = {}
        self.services: list[Service] = []
        self.groups: list[PriorityGroup] = []
        self.online = False
        self.offline_reason = ""
        self.next_retry_at = 0.0
        self.retry_delay = 2.0
        self.loading_services = False
        self.last_refresh = -math.inf
        self.last_touch = clock()
        self.idle_left: int | None = None
        self.notice: Notice | None = None
        self.priority: str = ""          # chosen group code, "" = normal ticket
        self.priority_proof: str = ""    # "cccd" when a chip-ID scan proved age
        self.person_hash: str = ""       # salted hash of the chip-ID number, never the number
        self.init_ticketing()
        self.init_lookup()
        self.init_appointment()

    # -- plumbing ------------------------------------------------------------
    def subscribe(self, listener: Callable[["KioskController"], None]) -> None:
        self.listeners.append(listener)

    def changed(self) -> None:
        for listener in list(self.listeners):
            listener(self)

    def t(self, message: str, **values: Any) -> str:
        return tr(message, self.lang, **values)

    def show(self, screen: str) -> None:
        if screen != self.screen:
            self.history.append(screen)
        self.screen = screen
        self.idle_left = None
        self.say_screen(screen)
        self.changed()

    def say(self, message: str, **values: Any) -> None:
        if self.speaker is not None and self.config.speech:
            self.speaker(tr(message, self.lang, **values), self.lang)

    def say_screen(self, screen: str) -> None:
        prompts = {"home": N_("Touch the screen to take a queue number"),
                   "services": N_("Choose the service you need"),
                   "priority": N_("Choose your priority group, or scan your chip-ID card"),
                   "dossier": N_("Scan the QR code on your receipt, or type the dossier code"),
                   "appointment": N_("Scan the QR code of your booking, or type the booking code")}
        if screen in prompts:
            self.say(prompts[screen])

    def set_notice(self, message: str, kind: str = "info", **values: Any) -> None:
        self.notice = Notice(message, kind, self.clock() + NOTICE_SECONDS, values)

    # -- start, live data, offline ------------------------------------------
    def start(self) -> None:
        self.show("home")
        self.refresh(initial=True)

    def refresh(self, initial: bool = False) -> None:
        if self.loading_services:
            return
        self.loading_services = True
        self.last_refresh = self.clock()

        def load() -> tuple[dict, list]:
            # while numbers are not issued the site is re-read too: it says when issuing reopens
            closed = any(not s.open for s in self.services)
            site = self.api.site() if (initial or not self.site or closed) else self.site
            return site, self.api.services()
        self.runner.submit(load, self._loaded)

    def _loaded(self, result: Any, error: BaseException | None) -> None:
        self.loading_services = False
        if error is not None:
            self._went_offline(error)
            return
        site, services = result
        self.site = site or {}
        self.groups = groups_from_site(self.site)
        self.services = [Service.from_api(s) for s in services if isinstance(s, dict)]
        was_offline = not self.online
        self.online = True
        self.retry_delay = 2.0
        if self.screen in ("offline", "starting") or (was_offline and self.screen == "home"):
            self.show("home")
        else:
            self.changed()

    def _went_offline(self, error: BaseException) -> None:
        self.online = False
        self.offline_reason = str(error)
        log.warning("server unreachable: %s", error)
        self.next_retry_at = self.clock() + self.retry_delay
        self.retry_delay = min(self.retry_delay * 2, 30.0)
        if self.screen in ("home", "services", "priority", "starting", "offline"):
            self.show("offline")
        else:
            self.changed()

    def retry_now(self) -> None:
        self.touch()
        self.next_retry_at = self.clock()
        self.refresh(initial=not self.site)

    def retry_in(self) -> int:
        return max(0, math.ceil(self.next_retry_at - self.clock()))

    # -- touches ---------------------------------------------------------------
    def touch(self) -> None:
        self.last_touch = self.clock()
        if self.idle_left is not None:
            self.idle_left = None
            self.changed()

    def go_home(self) -> None:
        self.touch()
        self.reset_session()
        self.show("home" if self.online else "offline")

    def reset_session(self) -> None:
        self.priority = self.priority_proof = self.person_hash = ""
        self.notice = None
        self.reset_ticketing()
        self.reset_lookup()
        self.reset_appointment()

    def toggle_language(self) -> None:
        self.touch()
        self.lang = other_language(self.lang)
        self.changed()

    def toggle_large_text(self) -> None:
        self.touch()
        self.large_text = not self.large_text
        self.changed()

    def take_ticket(self) -> None:
        self.touch()
        self.priority = self.priority_proof = self.person_hash = ""
        self.show("services")
        self._refresh_if_stale()

    def open_priority(self) -> None:
        self.touch()
        self.show("priority")
        self._refresh_if_stale()

    def choose_group(self, code: str) -> None:
        self.touch()
        if code not in {g.code for g in self.groups}:
            return
        self.priority = code
        self.priority_proof = ""
        self.show("services")

    def group(self) -> PriorityGroup | None:
        return next((g for g in self.groups if g.code == self.priority), None)

    def _refresh_if_stale(self) -> None:
        if self.clock() - self.last_refresh > 2.0:
            self.refresh()

    # -- scanner -----------------------------------------------------------------
    def scanned(self, text: str) -> None:
        """A code from the scanner (already on the UI thread)."""
        from drivers.scanner.payloads import classify  # the scanner helper's parser

        self.touch()
        code = booking_code(text)
        if code is not None:   # a booking's QR (its /book/{code} link): check in
            self.check_in(code)
            return
        result = classify(text, salt=self.config.id_salt.encode())
        if result.kind == "citizen_id":
            self._citizen_card(result)
        elif result.kind == "dossier":
            self.lookup_dossier(result.code)
        elif result.kind == "ticket":
            self.show_existing_ticket(result.ticket_id)
        else:
            self.scan_rejected()

    def scan_rejected(self, *_: Any) -> None:
        self.set_notice("Sorry, this code was not recognised. Please try again or ask the staff.", "warn")
        self.say("Sorry, this code was not recognised")
        self.changed()

    def _citizen_card(self, card: Any) -> None:
        if self.screen in ("ticket",) and self.issue_state in ("issuing", "retrying"):
            return
        if not card.is_elderly:
            self.set_notice("The card shows you are under 60. Choose another group or take a normal number.", "warn")
            self.changed()
            return
        self.priority, self.priority_proof, self.person_hash = "elderly", "cccd_age", card.id_hash
        self.set_notice("Card checked: priority for people aged 60 and over.", "info")
        self.say("Card checked: priority for people aged 60 and over.")
        self.show("services")

    # -- time ------------------------------------------------------------------
    def tick(self) -> None:
        """Called about once a second by the UI clock."""
        now = self.clock()
        dirty = False
        if self.notice is not None and now >= self.notice.until:
            self.notice = None
            dirty = True
        if not self.online and not self.loading_services and now >= self.next_retry_at:
            self.refresh(initial=not self.site)
        elif self.online and self.screen in ("home", "services", "priority") and now - self.last_refresh >= REFRESH_EVERY:
            self.refresh()
        dirty |= self.tick_ticketing(now)
        dirty |= self._tick_idle(now)
        if self.screen == "offline":
            dirty = True   # the retry countdown moves
        if dirty:
            self.changed()

    def _tick_idle(self, now: float) -> bool:
        if self.screen in HOME_SCREENS or self.busy():
            if self.idle_left is not None:
                self.idle_left = None
                return True
            return False
        remaining = self.config.idle_timeout - (now - self.last_touch)
        if remaining <= 0:
            self.go_home()
            return False
        left = math.ceil(remaining) if remaining <= self.config.idle_countdown else None
        if left != self.idle_left:
            self.idle_left = left
            return True
        return False

    def busy(self) -> bool:
        return self.issue_state in ("issuing",) or self.print_state == "printing"
