"""Drive the real kiosk app in this process: real Kivy window, real touches, real server.

Run by the UI tests as a subprocess (Kivy allows one Window per process):
    python ui_driver.py spec.json result.json
spec: {"config": {...KioskConfig fields}, "steps": [[op, arg...], ...], "shots": "dir"}
Ops: wait_screen NAME | tap NAME | scan TEXT | until EXPR | shot NAME | measure LABEL | sleep S | call EXPR
A tap is a touch down/up at the widget's centre through the Window, like a finger.
"""
from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

spec = json.loads(Path(sys.argv[1]).read_text())
result_path = Path(sys.argv[2])
T0 = time.perf_counter()

from kiosk_app.config import KioskConfig  # noqa: E402
from kiosk_app.ui.app import build_app, configure_kivy  # noqa: E402

cfg = KioskConfig(**spec["config"])
configure_kivy(cfg, windowed=True)

from kivy.clock import Clock  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402

printer = None
if cfg.printer_url:
    from kiosk_app.peripherals.devices import KioskPrinter
    printer = KioskPrinter(cfg.printer_url, timeout=cfg.printer_timeout)
app = build_app(cfg, printer=printer)
report: dict = {"taps": [], "screens": [], "measures": {}, "shots": [], "events": [], "error": None}


def find(name: str):
    """By id on the current screen, id on the root, tid, or service/group code ('code:land')."""
    screen = app.root_widget.ids.sm.current_screen
    if name in screen.ids:
        return screen.ids[name]
    if name in app.root_widget.ids:
        return app.root_widget.ids[name]
    key, _, value = name.partition(":")
    for w in app.root_widget.walk():
        if getattr(w, "tid", None) == name:
            return w
        if key == "code" and getattr(w, "code", None) == value:
            return w
    raise LookupError(f"no widget {name!r} on screen {screen.name}")


def tap(name: str) -> None:
    w = find(name)
    if w.opacity <= 0 or w.disabled or w.get_root_window() is None:
        raise AssertionError(f"widget {name!r} is hidden or disabled")
    x, y = w.to_window(*w.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    report["taps"].append(name)


def steps():
    c = app.controller
    env = {"c": c, "app": app, "find": find}
    for step in spec["steps"]:
        op, *args = step
        report["events"].append(step)
        if op == "wait_screen":
            deadline = time.monotonic() + float(args[1] if len(args) > 1 else 15)
            while c.screen != args[0]:
                if time.monotonic() > deadline:
                    raise AssertionError(f"screen {args[0]!r} not shown; on {c.screen!r}")
                yield
            yield
            yield
        elif op == "until":
            deadline = time.monotonic() + float(args[1] if len(args) > 1 else 15)
            while not eval(args[0], env):
                if time.monotonic() > deadline:
                    raise AssertionError(f"timeout waiting for {args[0]} (screen {c.screen})")
                yield
            yield
            yield
        elif op == "tap":
            yield   # let the layout settle after the previous change, as a person would
            yield
            tap(args[0])
            yield
        elif op == "scan":
            c.scanned(args[0])
            yield
        elif op == "call":
            eval(args[0], env)
            yield
        elif op == "sleep":
            end = time.monotonic() + float(args[0])
            while time.monotonic() < end:
                yield
        elif op == "shot":
            yield
            path = app.screenshot(Path(spec["shots"]) / f"{args[0]}.png")
            report["shots"].append(str(path))
        elif op == "measure":
            yield   # a rebuilt grid (live refresh) is laid out on the next frame
            yield
            from kiosk_app.ui.audit import audit
            screen = app.root_widget.ids.sm.current_screen
            number = screen.ids.get("number") if c.screen == "ticket" else None
            m = audit(app.root_widget, cfg.dpi, number_widget=number)
            m["screen"] = c.screen
            report["measures"][args[0]] = m
            yield
        elif op == "value":
            report.setdefault("values", {})[args[0]] = eval(args[0], env)
            yield
        else:
            raise ValueError(f"unknown op {op}")


def pump(gen):
    def step(dt):
        try:
            next(gen)
        except StopIteration:
            app.stop()
            return False
        except Exception:
            report["error"] = traceback.format_exc()
            app.stop()
            return False
    return step


def start(dt):
    report["first_frame_s"] = time.perf_counter() - T0
    Clock.schedule_interval(pump(steps()), 1 / 20)


def record_screen(c):
    if not report["screens"] or report["screens"][-1] != c.screen:
        report["screens"].append(c.screen)


app.controller.subscribe(record_screen)
Clock.schedule_once(start, 0.3)
Clock.schedule_once(lambda dt: (report.__setitem__("error", report["error"] or "driver timeout"), app.stop()),
                    float(spec.get("timeout", 90)))
try:
    app.run()
finally:
    result_path.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
