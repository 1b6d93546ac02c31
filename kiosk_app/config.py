"""Kiosk configuration: one TOML file, validated up front.

A bad file stops the kiosk with one line naming the file, the key and the
problem (technicians read it on a console), never a traceback deep in Kivy.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROLES = ("ticket", "result", "both")
LANGUAGES = ("vi", "en")


class ConfigError(Exception):
    """``path: [section] key: problem``."""

    def __init__(self, path: str, key: str, problem: str):
        self.path, self.key, self.problem = path, key, problem
        super().__init__(f"{path}: {key}: {problem}")


@dataclass(frozen=True)
class KioskConfig:
    server_url: str = "http://127.0.0.1:8000"
    device_key: str = ""
    server_timeout: float = 5.0
    public_url: str = ""            # base of the ticket QR; empty = server_url
    printer_url: str = ""           # empty = no printer: tickets are shown on screen only
    printer_timeout: float = 5.0    # per read/write; a slow line (9600 baud) needs seconds per ticket
    scanner_url: str = ""
    scanner_suffix: str = "cr"
    locker_url: str = ""
    kiosk_id: str = "result-1"      # a result kiosk's bank: `kiosk` of [[lockers.banks]] in site.toml
    role: str = "ticket"
    language: str = "vi"
    idle_timeout: float = 60.0      # seconds without a touch before going home
    idle_countdown: float = 10.0    # the last seconds of it are shown as a countdown
    large_text: bool = False
    speech: bool = False
    id_salt: str = "motcua-demo-salt"
    width: int = 1280
    height: int = 800
    dpi: float = 96.0
    fullscreen: bool = True
    source: str = "<defaults>"
    extra: dict = field(default_factory=dict)

    def with_(self, **changes: Any) -> "KioskConfig":
        return replace(self, **changes)


# (section, key) -> (attribute, type, check)
_FIELDS: dict[tuple[str, str], tuple[str, type]] = {
    ("server", "url"): ("server_url", str),
    ("server", "device_key"): ("device_key", str),
    ("server", "timeout"): ("server_timeout", float),
    ("server", "public_url"): ("public_url", str),
    ("devices", "printer"): ("printer_url", str),
    ("devices", "printer_timeout"): ("printer_timeout", float),
    ("devices", "scanner"): ("scanner_url", str),
    ("devices", "scanner_suffix"): ("scanner_suffix", str),
    ("devices", "locker"): ("locker_url", str),
    ("kiosk", "role"): ("role", str),
    ("kiosk", "id"): ("kiosk_id", str),
    ("kiosk", "language"): ("language", str),
    ("kiosk", "idle_timeout"): ("idle_timeout", float),
    ("kiosk", "idle_countdown"): ("idle_countdown", float),
    ("kiosk", "large_text"): ("large_text", bool),
    ("kiosk", "speech"): ("speech", bool),
    ("kiosk", "id_salt"): ("id_salt", str),
    ("screen", "width"): ("width", int),
    ("screen", "height"): ("height", int),
    ("screen", "dpi"): ("dpi", float),
    ("screen", "fullscreen"): ("fullscreen", bool),
}


def load_config(path: str | Path | None) -> KioskConfig:
    if path is None:
        return KioskConfig()
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(name, "-", "file not found") from None
    except IsADirectoryError:
        raise ConfigError(name, "-", "is a directory, not a file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(name, "-", f"not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(name, "-", f"not valid TOML: {exc}") from None
    # A file cut short (a copy or a save interrupted) can still be valid TOML and would
    # run on defaults or on half a number ("idle_timeout = 6" from 60): refuse it.
    if not text.strip():
        raise ConfigError(name, "-", "the file is empty")
    if not text.endswith("\n"):
        raise ConfigError(name, "-", "the file ends in the middle of a line (cut short?); "
                          "a complete file ends with a newline")
    return parse_config(raw, name)


def parse_config(raw: dict[str, Any], name: str = "<config>") -> KioskConfig:
    values: dict[str, Any] = {"source": name}
    known_sections = {s for s, _ in _FIELDS}
    for section, table in raw.items():
        if section not in known_sections:
            raise ConfigError(name, f"[{section}]", f"unknown section (known: {', '.join(sorted(known_sections))})")
        if not isinstance(table, dict):
            raise ConfigError(name, section, "must be a table like [section]")
        for key, value in table.items():
            spec = _FIELDS.get((section, key))
            label = f"[{section}] {key}"
            if spec is None:
                known = ", ".join(k for s, k in _FIELDS if s == section)
                raise ConfigError(name, label, f"unknown key (known in [{section}]: {known})")
            attr, kind = spec
            values[attr] = _coerce(name, label, value, kind)
    cfg = KioskConfig(**values)
    _check(cfg, name)
    return cfg


def _coerce(name: str, label: str, value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(name, label, f"must be true or false, got {value!r}")
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # a TOML integer with hundreds of digits
            number = math.inf
        if not math.isfinite(number):
            raise ConfigError(name, label, f"must be a finite number, got {str(value)[:20]}")
        return number
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value.strip()
    raise ConfigError(name, label, f"must be {'a number' if kind in (int, float) else 'a string'}, got {value!r}")


def _check(cfg: KioskConfig, name: str) -> None:
    url = urlsplit(cfg.server_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ConfigError(name, "[server] url", f"must be an http(s) URL like http://10.0.0.5:8000, got {cfg.server_url!r}")
    if cfg.public_url and urlsplit(cfg.public_url).scheme not in ("http", "https"):
        raise ConfigError(name, "[server] public_url", f"must be an http(s) URL, got {cfg.public_url!r}")
    if cfg.server_timeout <= 0 or cfg.server_timeout > 120:
        raise ConfigError(name, "[server] timeout", f"must be between 0 and 120 seconds, got {cfg.server_timeout}")
    if cfg.role not in ROLES:
        raise ConfigError(name, "[kiosk] role", f"must be one of {', '.join(ROLES)}, got {cfg.role!r}")
    if cfg.language not in LANGUAGES:
        raise ConfigError(name, "[kiosk] language", f"must be one of {', '.join(LANGUAGES)}, got {cfg.language!r}")
    if not 3 <= cfg.idle_timeout <= 3600:
        raise ConfigError(name, "[kiosk] idle_timeout", f"must be 3..3600 seconds, got {cfg.idle_timeout}")
    if not 0 < cfg.idle_countdown < cfg.idle_timeout:
        raise ConfigError(name, "[kiosk] idle_countdown", "must be above 0 and below idle_timeout")
    if not 0.2 <= cfg.printer_timeout <= 60:
        raise ConfigError(name, "[devices] printer_timeout", f"must be 0.2..60 seconds, got {cfg.printer_timeout}")
    if cfg.scanner_suffix not in ("cr", "crlf"):
        raise ConfigError(name, "[devices] scanner_suffix", f"must be cr or crlf, got {cfg.scanner_suffix!r}")
    if not 320 <= cfg.width <= 7680:
        raise ConfigError(name, "[screen] width", f"must be 320..7680 pixels, got {cfg.width}")
    if not 320 <= cfg.height <= 7680:
        raise ConfigError(name, "[screen] height", f"must be 320..7680 pixels, got {cfg.height}")
    if not 50 <= cfg.dpi <= 600:
        raise ConfigError(name, "[screen] dpi", f"must be 50..600 dots per inch, got {cfg.dpi}")
