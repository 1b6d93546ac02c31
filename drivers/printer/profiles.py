"""Printer profiles: what a printer model can do, as plain data.

A profile says how wide the paper is in dots, whether the printer draws QR codes
itself (``GS ( k``), which code-page slots hold the Vietnamese code pages, and
how it cuts. Sites pick a profile by name in the kiosk configuration, or pass a
dict with the same keys for a model not listed here.

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

PAPER_DOTS = {58: 384, 80: 576}  # 203 dpi thermal heads: printable width in dots
TEXT_MODES = ("raster", "tcvn3", "cp1258")


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    paper_mm: int = 80
    dots: int = 576
    native_qr: bool = True
    # code-page slots for ESC t; missing key = the model lacks that code page
    code_pages: dict[str, int] = field(default_factory=dict)
    default_text_mode: str = "raster"
    cut: str = "PART"  # "PART" (GS V 1) or "FULL" (GS V 0); "" = tear-off printer without a cutter
    escpos_profile: str = "TM-T20II"  # python-escpos capability profile for Dummy (needs a known width)

    def with_paper(self, paper_mm: int | None) -> "PrinterProfile":
        if paper_mm is None or paper_mm == self.paper_mm:
            return self
        if paper_mm not in PAPER_DOTS:
            raise ValueError(f"paper_mm must be one of {sorted(PAPER_DOTS)}, not {paper_mm}")
        return replace(self, paper_mm=paper_mm, dots=PAPER_DOTS[paper_mm])

    def text_mode(self, requested: str | None) -> str:
        mode = requested or self.default_text_mode
        if mode not in TEXT_MODES:
            raise ValueError(f"text_mode must be one of {TEXT_MODES}, not {mode!r}")
        if mode == "tcvn3" and not {"tcvn3", "tcvn3_capital"} <= self.code_pages.keys():
            raise ValueError(f"printer profile {self.name} has no TCVN-3 code pages; use text_mode='raster'")
        if mode == "cp1258" and "cp1258" not in self.code_pages:
            raise ValueError(f"printer profile {self.name} has no CP1258 code page; use text_mode='raster'")
        return mode


EPSON_PAGES = {"cp437": 0, "cp1252": 16, "tcvn3": 30, "tcvn3_capital": 31, "cp1258": 52}

PROFILES: dict[str, PrinterProfile] = {
    # Epson-compatible 80 mm kiosk printer (TM-T20II/TM-T82 class and most clones)
    "generic-80": PrinterProfile("generic-80", 80, 576, True, EPSON_PAGES, escpos_profile="TM-T20II"),
    "epson-tm-t20ii": PrinterProfile("epson-tm-t20ii", 80, 576, True, EPSON_PAGES, escpos_profile="TM-T20II"),
    # cheap 58 mm kiosk clones (POS-5890 class with a cutter): no native QR, CP1258 in slot 27
    "generic-58": PrinterProfile("generic-58", 58, 384, False, {"cp437": 0, "cp1258": 27},
                                 escpos_profile="POS-5890"),
    # 58 mm Epson-compatible with native QR (XPrinter XP-58IIH class)
    "xprinter-58": PrinterProfile("xprinter-58", 58, 384, True, EPSON_PAGES, escpos_profile="POS-5890"),
}


def get_profile(profile: str | dict[str, Any] | PrinterProfile, paper_mm: int | None = None) -> PrinterProfile:
    """A profile by name, from a dict of PrinterProfile fields, or as given; then set the paper."""
    if isinstance(profile, PrinterProfile):
        base = profile
    elif isinstance(profile, dict):
        data = dict(profile)
        data.setdefault("name", "custom")
        if "paper_mm" in data and "dots" not in data:
            data["dots"] = PAPER_DOTS[int(data["paper_mm"])]
        base = PrinterProfile(**data)
    else:
        try:
            base = PROFILES[profile]
        except KeyError:
            raise ValueError(f"unknown printer profile {profile!r}; known: {', '.join(sorted(PROFILES))}") from None
    return base.with_paper(paper_mm)
