"""Walk the live widget tree and measure what a citizen meets: target sizes, text sizes, contrast.

Used by the UI tests on every screen (and handy on a real kiosk: the numbers
come from the real widgets at the configured DPI).
"""
from __future__ import annotations

from typing import Any, Iterator

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk_app import a11y


def _visible_widgets(widget: Widget) -> Iterator[Widget]:
    if widget.opacity <= 0 or widget.width <= 0 or widget.height <= 0:
        return
    yield widget
    for child in widget.children:
        yield from _visible_widgets(child)


def _background(widget: Widget) -> tuple[float, ...]:
    w: Any = widget
    while w is not None:
        bg = getattr(w, "bg_color", None)
        if bg is not None:
            if isinstance(w, ButtonBehavior) and getattr(w, "state", "normal") != "normal":
                return tuple(a11y_pressed())
            return tuple(bg)
        w = w.parent if w.parent is not w else None
    return (1.0, 1.0, 1.0, 1.0)


def a11y_pressed() -> tuple[float, ...]:
    from kiosk_app.ui.theme import INK
    return INK


def _clipped(widget: Widget) -> bool:
    """Outside its screen (or the window): text or a button someone cannot see or reach.
    Content of a ScrollView may scroll out of view by design."""
    from kivy.core.window import Window
    from kivy.uix.screenmanager import Screen
    from kivy.uix.scrollview import ScrollView

    w: Any = widget.parent
    frame = (0.0, 0.0, float(Window.width), float(Window.height))
    while w is not None and w is not w.parent:
        if isinstance(w, ScrollView):
            return False
        if isinstance(w, Screen):
            x, y = w.to_window(*w.pos)
            frame = (x, y, x + w.width, y + w.height)
            break
        w = w.parent
    x0, y0 = widget.to_window(widget.x, widget.y)
    x1, y1 = widget.to_window(widget.right, widget.top)
    return x0 < frame[0] - 1 or y0 < frame[1] - 1 or x1 > frame[2] + 1 or y1 > frame[3] + 1


def _scroll_view_of(widget: Widget) -> Any:
    from kivy.uix.scrollview import ScrollView
    w: Any = widget.parent
    while w is not None and w is not w.parent:
        if isinstance(w, ScrollView):
            return w
        w = w.parent
    return None


def _shown_fraction(widget: Widget) -> float:
    """How much of a widget inside a scrolling list is in view now (1.0 outside any list).
    A list's content may scroll by design, but a service button half under the list's edge
    (over the "Back" bar) is one a citizen does not see or cannot tap."""
    view = _scroll_view_of(widget)
    if view is None:
        return 1.0
    vx0, vy0 = view.to_window(view.x, view.y)
    vx1, vy1 = view.to_window(view.right, view.top)
    x0, y0 = widget.to_window(widget.x, widget.y)
    x1, y1 = widget.to_window(widget.right, widget.top)
    w, h = max(0.0, min(x1, vx1) - max(x0, vx0)), max(0.0, min(y1, vy1) - max(y0, vy0))
    area = (x1 - x0) * (y1 - y0)
    return (w * h) / area if area > 0 else 1.0


def _name(widget: Widget) -> str:
    text = getattr(widget, "text", "") or getattr(widget, "title", "") or getattr(widget, "tid", "")
    return f"{type(widget).__name__}({str(text)[:40]!r})"


def audit(root: Widget, dpi: float, *, number_widget: Widget | None = None) -> dict[str, Any]:
    min_target = a11y.mm_to_px(a11y.MIN_TARGET_MM, dpi)
    problems: list[str] = []
    smallest_target = smallest_text = lowest_contrast = float("inf")
    targets = texts = 0
    # targets not wholly in view in a scrolling list (reachable by scrolling only): the services and
    # priority screens fit every choice where the screen has room (kiosk_app.ui.screen.ListScreen)
    scrolled_away: list[str] = []
    for w in _visible_widgets(root):
        if isinstance(w, ButtonBehavior) and not w.disabled:
            targets += 1
            shown = _shown_fraction(w)
            if shown < 0.999:
                scrolled_away.append(_name(w))
            side = min(w.width, w.height)
            smallest_target = min(smallest_target, side)
            if side + 0.5 < min_target:
                problems.append(f"{_name(w)}: touch target {w.width:.0f}x{w.height:.0f} px < {min_target:.0f} px (15 mm)")
        if (isinstance(w, ButtonBehavior) or isinstance(w, Label) and str(w.text).strip()) and _clipped(w):
            problems.append(f"{_name(w)}: outside the screen at {w.to_window(*w.pos)} size {w.size}")
        if isinstance(w, Label) and str(w.text).strip():
            texts += 1
            size = float(w.font_size)
            smallest_text = min(smallest_text, size)
            if size < a11y.MIN_BODY_PX:
                problems.append(f"{_name(w)}: text {size:.0f} px < {a11y.MIN_BODY_PX:.0f} px")
            ratio = a11y.contrast_ratio(w.color, _background(w))
            lowest_contrast = min(lowest_contrast, ratio)
            if ratio < a11y.MIN_CONTRAST:
                problems.append(f"{_name(w)}: contrast {ratio:.1f}:1 < 7:1")
    result: dict[str, Any] = {
        "targets": targets, "texts": texts, "min_target_px": round(smallest_target, 1),
        "min_target_mm": round(smallest_target * 25.4 / dpi, 1) if targets else None,
        "min_text_px": round(smallest_text, 1) if texts else None,
        "min_contrast": round(lowest_contrast, 2) if texts else None, "problems": problems,
        "scrolled_away": scrolled_away,
    }
    if number_widget is not None:
        result["number_px"] = float(number_widget.font_size)
        result["number_texture_h"] = number_widget.texture_size[1]
        if float(number_widget.font_size) < a11y.MIN_NUMBER_PX:
            problems.append(f"ticket number {number_widget.font_size} px < 96 px")
    return result
