"""Printer status over DLE EOT, decoded into one clear reason.

Every reply byte has bit 1 set and bits 0, 4 and 7 fixed (0, 1, 0), so a
healthy idle printer answers 0x12. Silence or a byte that breaks that pattern
makes the whole status "unknown" — never "OK" (python-escpos's
``paper_status()`` reports plenty of paper on silence; we do not use it).
Input is flushed before each query: a late reply may belong to an earlier one.

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from drivers.transport import Transport

DLE_EOT = b"\x10\x04"
QUERIES = (1, 2, 3, 4)  # printer, offline cause, errors, paper sensors

# most specific first: the first reason found is the one reported
REASONS = ("cover_open", "paper_out", "cutter_error", "unrecoverable_error", "auto_recoverable_error",
           "offline", "unknown", "paper_near_end")
MESSAGES = {
    "cover_open": ("Nắp máy in đang mở", "printer cover is open"),
    "paper_out": ("Máy in hết giấy", "printer is out of paper"),
    "paper_near_end": ("Giấy in sắp hết", "paper roll is nearly empty"),
    "cutter_error": ("Lỗi dao cắt giấy", "auto-cutter error"),
    "unrecoverable_error": ("Máy in gặp lỗi không tự khắc phục được", "unrecoverable printer error"),
    "auto_recoverable_error": ("Máy in đang tự khắc phục lỗi (quá nhiệt?)", "auto-recoverable error (head too hot?)"),
    "offline": ("Máy in đang ngoại tuyến", "printer is offline"),
    "unknown": ("Không đọc được trạng thái máy in", "no valid status reply (DLE EOT)"),
}


@dataclass(frozen=True)
class PrinterStatus:
    raw: dict[int, int | None] = field(default_factory=dict)  # DLE EOT n -> reply byte, None = no reply
    reason: str | None = None  # a fault in REASONS, None when printing is possible
    warnings: tuple[str, ...] = ()  # e.g. ("paper_near_end",): printing works, staff should act

    @property
    def ok(self) -> bool:
        return self.reason is None

    def message(self, lang: str = "vi") -> str:
        if self.reason is None:
            return "Máy in sẵn sàng" if lang == "vi" else "printer ready"
        vi, en = MESSAGES[self.reason]
        return vi if lang == "vi" else en

    def as_dict(self) -> dict:
        return {"ok": self.ok, "reason": self.reason, "warnings": list(self.warnings),
                "raw": {str(k): (None if v is None else f"0x{v:02x}") for k, v in self.raw.items()}}


def valid_reply(byte: int) -> bool:
    return byte & 0x93 == 0x12


def decode(raw: dict[int, int | None]) -> PrinterStatus:
    """Turn the four reply bytes into a reason (first match in REASONS) and warnings."""
    if any(raw.get(n) is None or not valid_reply(raw[n]) for n in QUERIES):  # type: ignore[arg-type]
        return PrinterStatus(raw, "unknown")
    printer, cause, errors, paper = (raw[n] for n in QUERIES)
    found = set()
    if cause & 0x04:
        found.add("cover_open")
    if cause & 0x20 or paper & 0x60:
        found.add("paper_out")
    if errors & 0x08:
        found.add("cutter_error")
    if errors & 0x20:
        found.add("unrecoverable_error")
    if errors & 0x40:
        found.add("auto_recoverable_error")
    if printer & 0x08 or cause & 0x40:
        found.add("offline")
    warnings = ("paper_near_end",) if paper & 0x0C else ()
    reason = next((r for r in REASONS if r in found), None)
    return PrinterStatus(raw, reason, warnings)


def query(transport: Transport, timeout: float) -> PrinterStatus:
    """Ask DLE EOT 1..4, one at a time, flushing stale input before each."""
    raw: dict[int, int | None] = {}
    for n in QUERIES:
        transport.reset_input()
        transport.write(DLE_EOT + bytes([n]))
        reply = transport.read(1, timeout)
        raw[n] = reply[0] if reply else None
        if raw[n] is None:  # a silent printer will not answer the rest either
            for rest in QUERIES[QUERIES.index(n) + 1:]:
                raw[rest] = None
            break
    return decode(raw)
