"""The few widget classes every screen is built from.

Every text-bearing widget sits on something with a ``bg_color`` so the
accessibility test can compute its contrast from the real colours.
"""
from __future__ import annotations

import io

from kivy.core.image import Image as CoreImage
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.properties import ColorProperty, ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk_app.ui import theme


class KPanel(BoxLayout):
    bg_color = ColorProperty(theme.WHITE)


class KLabel(Label):
    """Wrapping text on the nearest ancestor's bg_color."""


class KButton(ButtonBehavior, Label):
    bg_color = ColorProperty(theme.PRIMARY)
    tid = StringProperty("")      # a stable name for tests and logs


class ServiceButton(ButtonBehavior, BoxLayout):
    bg_color = ColorProperty(theme.PRIMARY)
    code = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")


class GroupButton(ButtonBehavior, BoxLayout):
    bg_color = ColorProperty(theme.PRIORITY)
    code = StringProperty("")
    title = StringProperty("")
    icon = StringProperty("elderly")


def set_visible(widget: Widget, visible: bool) -> None:
    """Show or hide by attaching/detaching the widget at its original place among its siblings.

    A detached widget takes no room, gets no touches and is not in the a11y walk; its kv
    bindings (sizes that follow large text or orientation) keep working untouched.
    """
    parent = getattr(widget, "_home_parent", None) or widget.parent
    if parent is None:
        return
    if not hasattr(parent, "_original_order"):
        parent._original_order = list(parent.children)
    widget._home_parent = parent
    attached = widget.parent is parent
    if visible and not attached:
        order = parent._original_order
        index = sum(1 for w in order[:order.index(widget)] if w.parent is parent)
        parent.add_widget(widget, index=index)
    elif not visible and attached:
        parent.remove_widget(widget)


class QRImage(Image):
    data = StringProperty("")

    def on_data(self, *_: object) -> None:
        if not self.data:
            self.texture = None
            return
        import qrcode

        qr = qrcode.QRCode(border=2, box_size=8, error_correction=qrcode.constants.ERROR_CORRECT_M)
        qr.add_data(self.data)
        buf = io.BytesIO()
        qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
        buf.seek(0)
        texture = CoreImage(buf, ext="png").texture
        texture.mag_filter = "nearest"
        self.texture = texture


class PriorityIcon(Widget):
    """Simple pictograms drawn with the canvas, in the ink colour given."""

    kind = StringProperty("elderly")
    ink = ColorProperty(theme.WHITE)
    points = ListProperty()

    def __init__(self, **kw: object):
        super().__init__(**kw)
        from kivy.clock import Clock
        self._redraw = Clock.create_trigger(self.redraw, -1)   # once per frame, after layout
        self.bind(pos=self._redraw, size=self._redraw, kind=self._redraw, ink=self._redraw)
        self._redraw()

    def redraw(self, *_: object) -> None:
        self.canvas.clear()
        s = min(self.width, self.height)
        if s <= 0:
            return
        x0 = self.center_x - s / 2
        y0 = self.center_y - s / 2
        w = max(2.0, s / 16)

        def P(fx: float, fy: float) -> tuple[float, float]:
            return x0 + fx * s, y0 + fy * s

        with self.canvas:
            Color(*self.ink)
            draw = getattr(self, f"_draw_{self.kind}", self._draw_medal)
            draw(P, s, w)

    @staticmethod
    def _person(P, s, w, cx=0.45, top=0.92, scale=1.0):
        r = 0.09 * s * scale
        hx, hy = P(cx, top - 0.09 * scale)
        Ellipse(pos=(hx - r, hy - r), size=(2 * r, 2 * r))
        Line(points=[*P(cx, top - 0.2 * scale), *P(cx, top - 0.55 * scale)], width=w)
        Line(points=[*P(cx - 0.15 * scale, top - 0.33 * scale), *P(cx, top - 0.25 * scale),
                     *P(cx + 0.15 * scale, top - 0.33 * scale)], width=w)
        Line(points=[*P(cx - 0.12 * scale, top - 0.9 * scale), *P(cx, top - 0.55 * scale),
                     *P(cx + 0.12 * scale, top - 0.9 * scale)], width=w)

    def _draw_elderly(self, P, s, w):
        self._person(P, s, w, cx=0.42)
        Line(points=[*P(0.62, 0.60), *P(0.66, 0.04)], width=w)          # cane
        Line(points=[*P(0.57, 0.63), *P(0.62, 0.60)], width=w)

    def _draw_pregnant(self, P, s, w):
        self._person(P, s, w, cx=0.42)
        cx, cy = P(0.52, 0.48)
        r = 0.13 * s
        Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))                 # belly

    def _draw_wheelchair(self, P, s, w):
        cx, cy = P(0.45, 0.3)
        r = 0.26 * s
        Line(circle=(cx, cy, r), width=w)                                  # wheel
        hx, hy = P(0.38, 0.86)
        hr = 0.09 * s
        Ellipse(pos=(hx - hr, hy - hr), size=(2 * hr, 2 * hr))
        Line(points=[*P(0.38, 0.74), *P(0.38, 0.45), *P(0.68, 0.45), *P(0.78, 0.12)], width=w)
        Line(points=[*P(0.38, 0.62), *P(0.6, 0.62)], width=w)

    def _draw_medal(self, P, s, w):
        Line(points=[*P(0.3, 0.98), *P(0.5, 0.6), *P(0.7, 0.98)], width=w)  # ribbon
        cx, cy = P(0.5, 0.38)
        r = 0.3 * s
        Line(circle=(cx, cy, r), width=w)
        import math
        pts = []
        for i in range(10):
            rad = (0.2 if i % 2 == 0 else 0.08) * s
            a = math.pi / 2 + i * math.pi / 5
            pts += [cx + rad * math.cos(a), cy + rad * math.sin(a)]
        Line(points=pts, width=w / 2, close=True)

    def _draw_child(self, P, s, w):
        self._person(P, s, w, cx=0.35)
        self._person(P, s, w, cx=0.72, top=0.5, scale=0.5)
        Line(points=[*P(0.5, 0.59), *P(0.72, 0.36)], width=w)              # holding hands

    def _draw_card(self, P, s, w):
        x, y = P(0.08, 0.2)
        RoundedRectangle(pos=(x, y), size=(0.84 * s, 0.6 * s), radius=[s * 0.06])
        Color(*theme.PRIMARY)
        Rectangle(pos=P(0.16, 0.32), size=(0.22 * s, 0.3 * s))
        for fy in (0.62, 0.5, 0.38):
            Line(points=[*P(0.46, fy), *P(0.84, fy)], width=w / 2)
