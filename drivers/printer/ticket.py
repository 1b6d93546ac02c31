"""The queue ticket's content and layout, built on the generic Slip.

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from drivers.printer.slip import Slip

LABELS = {
    "vi": {"priority": "ƯU TIÊN", "ahead": "Số người chờ trước", "wait": "Thời gian chờ dự kiến",
           "minutes": "phút", "issued": "Giờ lấy số", "scan": "Quét mã để theo dõi lượt gọi"},
    "en": {"priority": "PRIORITY", "ahead": "People ahead", "wait": "Estimated wait",
           "minutes": "min", "issued": "Issued", "scan": "Scan to follow your turn"},
}


@dataclass(frozen=True)
class TicketData:
    center_name: str
    number: str
    service: str
    status_url: str
    people_ahead: int = 0
    estimated_wait_min: int | None = None
    estimated_wait_range: tuple[int, int] | None = None   # low, high minutes: printed instead of "~N"
    issued_at: datetime | None = None
    priority: str | None = None  # the priority group's label, e.g. "Người cao tuổi"
    footer: str = ""
    lang: str = "vi"


def ticket_slip(ticket: TicketData, slip: Slip) -> Slip:
    """Lay out ``ticket`` on ``slip``: who, which service, the number, the wait, the QR, thanks."""
    labels = LABELS.get(ticket.lang, LABELS["vi"])
    slip.title(ticket.center_name).rule()
    slip.title(ticket.service)
    slip.big(ticket.number)
    if ticket.priority:
        slip.title(f"{labels['priority']}: {ticket.priority}")
    slip.kv(labels["ahead"], ticket.people_ahead, align="center", size=2)
    if ticket.estimated_wait_range is not None:
        low, high = ticket.estimated_wait_range
        slip.kv(f"{labels['wait']} ({labels['minutes']})", f"{low}-{high}", align="center")
    elif ticket.estimated_wait_min is not None:
        slip.kv(f"{labels['wait']} ({labels['minutes']})", f"~{ticket.estimated_wait_min}", align="center")
    issued = ticket.issued_at or datetime.now()
    slip.kv(labels["issued"], issued.strftime("%H:%M %d/%m/%Y"), align="center")
    slip.qr(ticket.status_url)
    if ticket.footer:
        slip.text(ticket.footer, align="center", small=True)
    return slip.cut()
