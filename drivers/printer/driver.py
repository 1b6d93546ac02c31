"""Ticket printer driver: status before and after every job, bytes over our own transport.

    printer = TicketPrinter("/dev/pts/7", profile="generic-80")
    result = printer.print_ticket(TicketData(...))   # raises DeviceFault(reason=...) on a fault

The transport is opened for each job or status call and closed after it: USB
and network printers get unplugged and rebooted, and a fresh open is cheap.

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from drivers.errors import DeviceFault
from drivers.printer.slip import Slip
from drivers.printer.profiles import PrinterProfile, get_profile
from drivers.printer.status import MESSAGES, REASONS, PrinterStatus, query
from drivers.printer.ticket import TicketData, ticket_slip
from drivers.transport import DEFAULT_TIMEOUT, Transport, open_transport

__all__ = ["TicketPrinter", "TicketData", "PrintResult", "PrinterStatus", "Slip", "REASONS"]

log = logging.getLogger(__name__)
CHUNK = 1024  # each write gets its own timeout, so a long job at a slow baud rate is not a "hang"


@dataclass(frozen=True)
class PrintResult:
    bytes_sent: int
    seconds: float  # from render start to the printer's status after the cut
    status_before: PrinterStatus | None
    status_after: PrinterStatus | None
    warnings: tuple[str, ...] = ()
    parts: dict[str, int] = field(default_factory=dict)  # bytes by kind: raster_text, native_text, qr_native…

    def as_dict(self) -> dict:
        return {"bytes": self.bytes_sent, "seconds": round(self.seconds, 4), "warnings": list(self.warnings),
                "status_before": self.status_before.as_dict() if self.status_before else None,
                "status_after": self.status_after.as_dict() if self.status_after else None,
                "parts": self.parts}


class TicketPrinter:
    def __init__(self, url: str, *, profile: str | dict | PrinterProfile = "generic-80",
                 paper_mm: int | None = None, text_mode: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 near_end_is_fault: bool = False):
        self.url = url
        self.profile = get_profile(profile, paper_mm)
        self.text_mode = self.profile.text_mode(text_mode)
        self.timeout = timeout
        self.status_timeout = min(timeout, 0.5)
        self.near_end_is_fault = near_end_is_fault
        # file:// is write-only: status cannot be read, the job is written anyway (for debugging)
        self.checks_status = not url.startswith("file://")
        self._busy = threading.Lock()  # one job or status query on the port at a time

    # -- public -------------------------------------------------------------
    def new_slip(self) -> Slip:
        return Slip(self.profile, text_mode=self.text_mode)

    def status(self) -> PrinterStatus:
        with self._busy, self._open() as transport:
            return query(transport, self.status_timeout)

    def check(self) -> PrinterStatus:
        """The status, or DeviceFault(reason) when the printer cannot print."""
        status = self.status()
        self._raise_for(status, "before printing")
        return status

    def print_ticket(self, ticket: TicketData) -> PrintResult:
        started = time.monotonic()
        return self._print(ticket_slip(ticket, self.new_slip()), started)

    def print_slip(self, slip: Slip) -> PrintResult:
        return self._print(slip, time.monotonic())

    def render_ticket(self, ticket: TicketData) -> bytes:
        """The ticket's ESC/POS bytes without sending them (tests, benchmarks, file output)."""
        return ticket_slip(ticket, self.new_slip()).to_bytes()

    # -- internals ----------------------------------------------------------
    def _open(self) -> Transport:
        return open_transport(self.url, timeout=self.timeout)

    def _print(self, slip: Slip, started: float) -> PrintResult:
        data = slip.to_bytes()
        parts: dict[str, int] = {}
        for kind, size in slip.parts:
            parts[kind] = parts.get(kind, 0) + size
        before = after = None
        warnings: list[str] = []
        with self._busy, self._open() as transport:
            if self.checks_status:
                before = query(transport, self.status_timeout)
                self._raise_for(before, "before printing")
            for i in range(0, len(data), CHUNK):
                transport.write(data[i:i + CHUNK])
            if self.checks_status:
                # the first reply waits behind the job still in the line's buffers:
                # allow the wire time of the whole job on top of the usual timeout
                after = query(transport, self.timeout + transport.line_seconds(len(data)))
                self._raise_for(after, "after printing (the ticket may be incomplete)")
                warnings += after.warnings
            else:
                warnings.append("status_not_checked")
        result = PrintResult(len(data), time.monotonic() - started, before, after, tuple(warnings), parts)
        log.info("printed %d bytes on %s in %.3fs%s", result.bytes_sent, self.url, result.seconds,
                 f" warnings={list(result.warnings)}" if result.warnings else "")
        return result

    def _raise_for(self, status: PrinterStatus, when: str) -> None:
        reason = status.reason
        if reason is None and self.near_end_is_fault and "paper_near_end" in status.warnings:
            reason = "paper_near_end"
        if reason is None:
            return
        vi, en = MESSAGES[reason]
        raw = status.as_dict()["raw"]
        raise DeviceFault(self.url, reason, f"{en} {when} ({vi}); DLE EOT replies {raw}")
