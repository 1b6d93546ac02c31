"""Accessibility numbers the kiosk promises, and the arithmetic to check them (no Kivy)."""
from __future__ import annotations

from typing import Sequence

MIN_TARGET_MM = 15.0      # touch targets, both sides
MIN_BODY_PX = 24.0        # any text
MIN_NUMBER_PX = 96.0      # the ticket number on screen
MIN_CONTRAST = 7.0        # WCAG AAA for text
MAX_TAPS_NORMAL = 3
MAX_TAPS_PRIORITY = 4


def mm_to_px(mm: float, dpi: float) -> float:
    return mm * dpi / 25.4


def relative_luminance(rgba: Sequence[float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(float(c)) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg: Sequence[float], bg: Sequence[float]) -> float:
    """WCAG contrast of two colours (0..1 channels); alpha of fg blended over bg."""
    alpha = float(fg[3]) if len(fg) > 3 else 1.0
    blended = [alpha * float(f) + (1 - alpha) * float(b) for f, b in zip(fg[:3], bg[:3])]
    a, b = relative_luminance(blended), relative_luminance(bg)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)
