"""Issuing and printing a ticket: the part of the flow where money-like care is needed.

* One Idempotency-Key per citizen intent (one tap on a service). Retries after a
  timeout — automatic or by the "try again" button — reuse it, so the server
  hands back the same ticket and the kiosk prints it once.
* A ticket is printed automatically at most once (``printed_ids``); a reprint
  needs an explicit request and is only offered after a printer fault or for a
  ticket the citizen scanned back.
* A printer fault never loses the ticket: it is issued and shown with its QR,
  the fault goes to the server's device-health endpoint.
"""
from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from kiosk_app.api import ApiError, NotAvailable, NotFound, Unreachable
from kiosk_app.models import Ticket

log = logging.getLogger(__name__)
ISSUE_RETRY_SECONDS = 3.0
PRINTER_POLL_SECONDS = 3.0
HEALTH_EVERY = 60.0       # the server's dashboard marks a device stale after a few minutes
# What the citizen reads for each printer fault reason (msgids).
FAULTS = {
    "paper_out": "The printer is out of paper.",
    "cover_open": "The printer cover is open.",
    "offline": "The printer is not answering.",
    "error": "The printer has a problem.",
}


def idempotency_key() -> str:
    """Unique like a UUID4 (80 random bits per millisecond), but time first, as in UUIDv7:
    every kiosk's keys sort by time, so the server's key index grows at one end instead of
    getting a random page dirtied by every ticket (docs/benchmarks-server.md)."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


class TicketingMixin:
    def init_ticketing(self) -> None:
        self.printed_ids: set[str] = set()
        self.printer_fault = ""          # last printer fault reason, "" = healthy
        self.printer_warning = ""        # e.g. "paper_near_end": still printing, staff should reload soon
        self.health_reports: list[dict] = []
        self.health_probes: dict[str, Any] = {}   # name -> () -> (status, detail), e.g. the scanner
        self.next_health_at = 0.0
        self.reset_ticketing()

    def reset_ticketing(self) -> None:
        self.issue_state = ""            # "" issuing retrying issued refused
        self.issue_key = ""
        self.issue_payload: dict[str, Any] = {}
        self.issue_attempts = 0
        self.issue_error = ""
        self.next_issue_at = 0.0
        self.ticket: Ticket | None = None
        self.print_state = ""            # "" printing printed fault none
        self.reprint_allowed = False
        self.next_printer_poll = 0.0

    # -- issuing ------------------------------------------------------------------
    def choose_service(self, code: str) -> None:
        self.touch()
        if self.issue_state in ("issuing", "retrying"):
            return   # a second tap while the first is on its way is the same intent
        service = next((s for s in self.services if s.code == code), None)
        if service is None:
            return
        payload: dict[str, Any] = {"service": code, "channel": "kiosk"}
        if self.priority:
            payload["priority"] = self.priority
            if self.priority_proof:
                payload["priority_proof"] = self.priority_proof
            if getattr(self, "person_hash", ""):   # a scanned chip-ID card: its salted hash, never the number
                payload["person_hash"] = self.person_hash
        self.reset_ticketing()
        self.issue_key = idempotency_key()
        self.issue_payload = payload
        self.issue_started_at = self.clock()
        self.show("ticket")
        self._send_issue()

    def _send_issue(self) -> None:
        self.issue_state = "issuing"
        self.issue_attempts += 1
        key, payload = self.issue_key, dict(self.issue_payload)
        self.runner.submit(lambda: self.api.issue_ticket(payload, key), lambda r, e: self._issued(key, r, e))
        self.changed()

    def _issued(self, key: str, result: Any, error: BaseException | None) -> None:
        if key != self.issue_key:
            return   # the citizen went home meanwhile; the server keeps the ticket under that key
        if isinstance(error, Unreachable):
            log.warning("ticket issue attempt %d failed: %s", self.issue_attempts, error)
            self.issue_state = "retrying"
            self.issue_error = str(error)
            self.next_issue_at = self.clock() + ISSUE_RETRY_SECONDS
            self.changed()
            return
        if error is not None:
            self.issue_state = "refused"
            self.issue_error = str(error.message if isinstance(error, ApiError) and error.message else error)
            log.warning("ticket refused: %s", self.issue_error)
            self.changed()
            return
        self.issue_state = "issued"
        self.ticket = Ticket.from_api(result, self.public_url())
        if isinstance(result, dict) and result.get("existing_ticket"):
            # the same card already holds a priority number today: show that one, print only on request
            self.set_notice("You already have number {number} today.", "info", number=self.ticket.number)
            self.say("You already have number {number} today.", number=_spoken(self.ticket.number))
            self.print_state = "printed" if self.ticket.id in self.printed_ids else ""
            self.reprint_allowed = self.printer is not None
            self.changed()
            return
        self.say("Your number is {number}. Please take your ticket.", number=_spoken(self.ticket.number))
        self._print(self.ticket)

    def retry_issue(self) -> None:
        self.touch()
        if self.issue_state == "retrying" and self.issue_key:
            self._send_issue()

    def public_url(self) -> str:
        return self.config.public_url or str(self.site.get("public_url") or "") or self.config.server_url

    # -- printing -------------------------------------------------------------------
    def _print(self, ticket: Ticket, force: bool = False) -> None:
        if self.printer is None:
            self.print_state = "none"
            self.changed()
            return
        if ticket.id in self.printed_ids and not force:
            self.print_state = "printed"
            self.changed()
            return
        self.print_state = "printing"
        self.reprint_allowed = False
        lang, site = self.lang, self.site
        self.runner.submit(lambda: self.printer.print_ticket(ticket, lang=lang, site=site),
                           lambda r, e: self._printed(ticket, e, r))
        self.changed()

    def _printed(self, ticket: Ticket, error: BaseException | None, result: Any = None) -> None:
        if error is None:
            self.last_print_bytes = getattr(result, "bytes_sent", 0)
            self.printed_ids.add(ticket.id)
            warning = "paper_near_end" if "paper_near_end" in (getattr(result, "warnings", ()) or ()) else ""
            if self.printer_fault or warning != self.printer_warning:   # the dashboard hears of a change at once
                self._report_printer("warning" if warning else "ok", warning)
            self.printer_fault, self.printer_warning = "", warning
            if self.ticket is not None and self.ticket.id == ticket.id:
                self.print_state = "printed"
                self.reprint_allowed = False
            self.changed()
            return
        reason = getattr(error, "reason", "") or ("offline" if "timeout" in type(error).__name__.lower() else "error")
        log.warning("printer fault while printing ticket %s: %s", ticket.number, error)
        self.printer_fault = reason
        self._report_printer("fault", reason)
        if self.ticket is not None and self.ticket.id == ticket.id:
            self.print_state = "fault"
            self.reprint_allowed = True
            self.next_printer_poll = self.clock() + PRINTER_POLL_SECONDS
        self.say("The printer has a problem. Please photograph the code on the screen.")
        self.changed()

    def reprint(self) -> None:
        self.touch()
        if self.ticket is not None and self.reprint_allowed and self.print_state != "printing":
            self._print(self.ticket, force=True)

    def _report_printer(self, status: str, reason: str) -> None:
        report = {"printer": {"status": {"fault": "error", "warning": "warning"}.get(status, "ok"), "detail": reason}}
        self.health_reports.append(report)
        self.runner.submit(lambda: self.api.report_health(report), _log_report_error)

    def show_existing_ticket(self, ticket_id: str) -> None:
        """A citizen scanned the QR of a ticket: show where it stands, offer a reprint."""
        def done(result: Any, error: BaseException | None) -> None:
            if isinstance(error, (NotFound, NotAvailable)):
                self.scan_rejected()
                return
            if error is not None:
                self.set_notice("The queue server cannot be reached.", "warn")
                self.changed()
                return
            self.reset_ticketing()
            self.ticket = Ticket.from_api(result, self.public_url())
            self.issue_state = "issued"
            self.print_state = "printed" if self.ticket.id in self.printed_ids else ""
            self.reprint_allowed = self.ticket.state == "waiting" and self.printer is not None
            self.show("ticket")
        self.runner.submit(lambda: self.api.ticket(ticket_id), done)

    # -- time -------------------------------------------------------------------------
    def report_health_now(self) -> None:
        """All components in one report: printer (last known state) and registered probes."""
        components: dict[str, dict[str, str]] = {}
        if self.printer is not None:
            components["printer"] = ({"status": "error", "detail": self.printer_fault} if self.printer_fault else
                                     {"status": "warning", "detail": self.printer_warning} if self.printer_warning
                                     else {"status": "ok", "detail": ""})
        for name, probe in self.health_probes.items():
            try:
                status, detail = probe()
            except Exception as exc:
                status, detail = "error", str(exc)[:200]
            components[name] = {"status": status, "detail": detail}
        if components:
            self.health_reports.append(components)
            self.runner.submit(lambda: self.api.report_health(components), _log_report_error)

    def tick_ticketing(self, now: float) -> bool:
        if self.online and now >= self.next_health_at:
            self.next_health_at = now + HEALTH_EVERY
            self.report_health_now()
        if self.issue_state == "retrying" and now >= self.next_issue_at and self.screen == "ticket":
            self._send_issue()
            return False
        if (self.print_state == "fault" and self.printer is not None and now >= self.next_printer_poll
                and hasattr(self.printer, "status")):
            self.next_printer_poll = now + PRINTER_POLL_SECONDS
            self.runner.submit(self.printer.status, self._polled)
        return False

    def _polled(self, result: Any, error: BaseException | None) -> None:
        ready = error is None and not result
        if ready and self.printer_fault:
            self.printer_fault = ""
            self._report_printer("ok", "")
            self.set_notice("The printer is working again. Touch “Print again”.", "info")
            self.changed()


def _log_report_error(result: Any, error: BaseException | None) -> None:
    if error is not None:
        log.warning("device health report failed: %s", error)


def _spoken(number: str) -> str:
    """'A012' -> 'A 0 1 2' so the voice reads digits one by one."""
    return " ".join(number)
