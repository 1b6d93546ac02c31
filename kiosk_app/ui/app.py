"""The Kivy application: builds the screens from the registry and mirrors the controller.

Kivy reads its settings when first imported, so ``configure_kivy`` must run
before anything imports ``kivy.core.window``; ``run_kiosk`` does it in order.
"""
from __future__ import annotations

import importlib
import logging
import os
import time
from pathlib import Path
from typing import Any

from kiosk_app.config import KioskConfig

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
STARTED = time.perf_counter()


def configure_kivy(cfg: KioskConfig, *, windowed: bool = False) -> None:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    for noisy in ("httpx", "httpcore"):   # one line per request is not a kiosk log
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from kivy.config import Config

    Config.set("graphics", "width", str(cfg.width))
    Config.set("graphics", "height", str(cfg.height))
    Config.set("graphics", "resizable", "0")
    full = cfg.fullscreen and not windowed
    # Kiosk mode: a borderless window of the configured screen size at the top-left corner.
    # (SDL's desktop fullscreen under a bare X server without a window manager sometimes
    # comes up at 1024x768; the configured size is also what the DPI arithmetic assumes.)
    Config.set("graphics", "fullscreen", "0")
    Config.set("graphics", "borderless", "1" if full else "0")
    if full:
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", "0")
        Config.set("graphics", "top", "0")
    Config.set("kivy", "exit_on_escape", "0" if full else "1")
    Config.set("kivy", "keyboard_mode", "system")       # never Kivy's on-screen keyboard
    Config.set("input", "mouse", "mouse,disable_multitouch")


def build_app(cfg: KioskConfig, *, controller: Any = None, printer: Any = None) -> Any:
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.factory import Factory
    from kivy.lang import Builder
    from kivy.properties import BooleanProperty, NumericProperty, StringProperty

    from kiosk_app.ticket.controller import KioskController
    from kiosk_app.i18n import gettext
    from kiosk_app.runner import ThreadRunner
    from kiosk_app.peripherals.speech import Speaker
    from kiosk_app.ui import theme, widgets  # noqa: F401  (registers the widget classes)
    from kiosk_app.ui.registry import screens_for

    class KioskApp(App):
        lang = StringProperty(cfg.language)
        large = BooleanProperty(cfg.large_text)
        scale = NumericProperty(theme.LARGE_SCALE if cfg.large_text else 1.0)

        def __init__(self, **kw: Any):
            super().__init__(**kw)
            self.kcfg = cfg
            self.runner = ThreadRunner()
            self.scanner = None
            self.first_frame_at: float | None = None
            make = KioskController
            if cfg.role in ("result", "both"):   # the locker bank and its screens
                from kiosk_app.result.controller import ResultKioskController as make
            self.controller = controller or make(
                cfg, runner=self.runner, printer=printer, speaker=Speaker() if cfg.speech else None)
            self.title = "motcua kiosk"

        def tr(self, message: str, lang: str) -> str:
            return gettext(message, lang)

        def mm(self, millimetres: float) -> float:
            return millimetres * self.kcfg.dpi / 25.4

        def build(self) -> Any:
            Builder.load_file(str(HERE / "widgets.kv"))
            root = Factory.KRoot()
            self.screens: dict[str, Any] = {}
            for spec in screens_for(self.kcfg.role):
                Builder.load_file(str(HERE.joinpath(*spec.module.split(".")).with_suffix(".kv")))
                module = importlib.import_module(f"kiosk_app.ui.{spec.module}")
                screen = getattr(module, spec.cls)(name=spec.name)
                root.ids.sm.add_widget(screen)
                self.screens[spec.name] = screen
            from kivy.uix.screenmanager import NoTransition
            root.ids.sm.transition = NoTransition()
            self.root_widget = root
            self.controller.subscribe(self.mirror)
            Window.bind(on_touch_down=lambda *_: self.controller.touch())
            Clock.schedule_interval(lambda dt: self.runner.drain_nowait(), 1 / 30)
            Clock.schedule_interval(lambda dt: self.controller.tick(), 0.5)
            Clock.schedule_once(self._started, 0)
            if self.kcfg.fullscreen:
                Window.show_cursor = False
            shot = os.environ.get("MOTCUA_KIOSK_SCREENSHOT")
            if shot:   # `motcua demo` without a display: keep a picture of the screen fresh
                Clock.schedule_interval(lambda dt: self.screenshot(shot), 2.0)
            return root

        def _started(self, dt: float) -> None:
            self.controller.start()
            self.start_scanner()
            Clock.schedule_once(self._first_frame, 0)

        def _first_frame(self, dt: float) -> None:
            self.first_frame_at = time.perf_counter()
            printer = self.controller.printer
            if printer is not None and hasattr(printer, "warm_up"):
                self.runner.submit(printer.warm_up, lambda r, e: e and log.error("printer: %s", e))

        def start_scanner(self) -> None:
            if not self.kcfg.scanner_url:
                return
            from kiosk_app.peripherals.devices import open_scanner
            post = self.runner.post
            try:
                self.scanner = open_scanner(
                    self.kcfg.scanner_url, self.kcfg.scanner_suffix,
                    on_code=lambda text: post(lambda: self.controller.scanned(text)),
                    on_reject=lambda: post(self.controller.scan_rejected))
            except Exception as exc:  # a missing scanner must not stop the kiosk
                log.error("scanner %s: %s", self.kcfg.scanner_url, exc)
                reason = f"cannot open: {exc}"[:200]  # `exc` is unbound once the except block ends
                self.controller.health_probes["scanner"] = lambda: ("error", reason)
                return
            scanner = self.scanner
            self.controller.health_probes["scanner"] = lambda: (
                ("ok", "") if scanner.health().status == "ok" else ("error", str(scanner.health().last_error or "disconnected")))

        def mirror(self, c: Any) -> None:
            """Show the controller's state: screen, language, text size, bars."""
            self.lang = c.lang
            self.large = c.large_text
            self.scale = theme.LARGE_SCALE if c.large_text else 1.0
            ids = self.root_widget.ids
            name = c.screen if c.screen in self.screens else "home"
            if ids.sm.current != name:
                ids.sm.current = name
            self.screens[name].refresh(c)
            site = c.site or {}
            ids.center_name.text = str(site.get("center_name_en" if c.lang == "en" else "center_name")
                                       or site.get("center_name") or "")
            widgets.set_visible(ids.home, name not in ("home", "offline") and not getattr(c, "hide_home_button", False))
            notice = c.notice
            widgets.set_visible(ids.notice, notice is not None)
            if notice is not None:
                ids.notice_text.text = notice.text(c.lang)
                ids.notice.bg_color = theme.WARN if notice.kind == "warn" else theme.INFO
            widgets.set_visible(ids.idle, c.idle_left is not None)
            if c.idle_left is not None:
                ids.idle_text.text = c.t("Back to the start in {seconds} s. Touch the screen to stay.",
                                         seconds=c.idle_left)

        def screenshot(self, path: str | Path) -> Path:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            written = Window.screenshot(name=str(path.with_suffix("")) + "-tmp%(counter)s.png")
            Path(written).replace(path)   # atomic: a viewer never sees half a file
            return path

        def on_stop(self) -> None:
            if hasattr(self.controller, "shutdown"):
                self.controller.shutdown()
            if self.scanner is not None:
                self.scanner.stop()
            self.runner.shutdown()

    return KioskApp()


def run_kiosk(cfg: KioskConfig, *, windowed: bool = False) -> int:
    configure_kivy(cfg, windowed=windowed)
    printer = None
    if cfg.printer_url:
        from kiosk_app.peripherals.devices import KioskPrinter
        try:
            printer = KioskPrinter(cfg.printer_url, timeout=cfg.printer_timeout)
        except Exception as exc:  # shown as a printer fault on each ticket, reported to the server
            log.error("printer %s: %s", cfg.printer_url, exc)
    app = build_app(cfg, printer=printer)
    app.run()
    return 0
