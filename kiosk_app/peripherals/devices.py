"""The kiosk's own devices, wrapped for the controller (printer, scanner).

The controller calls ``print_ticket(ticket, lang=, site=)`` and ``status()`` on
whatever it is given; here they are mapped onto the printer driver's
``TicketPrinter`` / ``TicketData`` and the scanner driver's ``Scanner``.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any, Callable

from kiosk_app.models import Ticket

log = logging.getLogger(__name__)


class KioskPrinter:
    """The driver (python-escpos and its capability database: ~0.3 s to import) loads on
    first use or in ``warm_up`` off the UI thread, so it never delays the first screen."""

    def __init__(self, url: str, **options: Any):
        self.url = url
        self.options = options
        self._driver: Any = None
        self._lock = threading.Lock()

    @property
    def driver(self) -> Any:
        with self._lock:
            if self._driver is None:
                from drivers.printer.driver import TicketPrinter
                self._driver = TicketPrinter(self.url, **self.options)
            return self._driver

    def warm_up(self) -> None:
        self.driver

    def print_ticket(self, ticket: Ticket, *, lang: str, site: dict[str, Any]) -> Any:
        from drivers.printer.driver import TicketData

        center = site.get("center_name_en" if lang == "en" else "center_name") or site.get("center_name") or ""
        data = TicketData(
            center_name=str(center),
            number=ticket.number,
            service=ticket.service_name(lang),
            status_url=ticket.status_url,
            people_ahead=ticket.people_ahead,
            estimated_wait_min=ticket.wait_min if ticket.wait_min_known else None,
            estimated_wait_range=((ticket.wait_low, ticket.wait_high)
                                  if ticket.wait_min_known and ticket.wait_low is not None
                                  and ticket.wait_high is not None else None),
            issued_at=_parse_time(ticket.issued_at),
            priority=ticket.priority_name(lang) or None,
            footer="Thank you!" if lang == "en" else "Cảm ơn quý khách!",
            lang=lang,
        )
        return self.driver.print_ticket(data)

    def status(self) -> str:
        """'' when the printer is ready, else the fault reason."""
        st = self.driver.status()
        return "" if st.ok else str(st.reason or "unknown")


def _parse_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return datetime.now()


def open_scanner(url: str, suffix: str, on_code: Callable[[str], None], on_reject: Callable[[], None]) -> Any:
    """Start the scanner driver; callbacks run on its reader thread (the app hops to the UI thread)."""
    from drivers.scanner.driver import Scanner

    scanner = Scanner(url, suffix=suffix, on_code=lambda scan: on_code(scan.text),
                      on_reject=lambda rejected: on_reject())
    scanner.start()
    return scanner
