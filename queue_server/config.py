"""Site configuration: `config/site.toml` parsed into frozen dataclasses.

A wrong file is refused at start with a ConfigError naming the file, the key
and the problem, so an installer can fix it without reading code.
"""
from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError



def sample_config_dir() -> Path:
    """The sample center's folder: the checkout's config/ in development, else the installed copy.

    `pip install .` puts config/*.toml under ``{prefix}/share/motcua`` (pyproject data-files), so
    `motcua serve` starts on the sample center from any directory, and `motcua init` copies it.
    """
    checkout = Path(__file__).resolve().parent.parent / "config"
    if (checkout / "site.toml").exists():
        return checkout
    return Path(sys.prefix) / "share" / "motcua"


DEFAULT_CONFIG = sample_config_dir() / "site.toml"
AGENCY_ID = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class ConfigError(ValueError):
    def __init__(self, path: Path | str, key: str, problem: str):
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{path}: {key}: {problem}")


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    name_en: str
    documents: tuple[str, ...]
    fee_vnd: int
    time_limit_days: int


@dataclass(frozen=True)
class Service:
    code: str
    letter: str
    name: str
    name_en: str
    typical_minutes: float
    daily_cap: int | None
    max_wait_minutes: float
    procedures: tuple[Procedure, ...] = ()


@dataclass(frozen=True)
class Counter:
    code: str
    name: str
    name_en: str
    services: tuple[str, ...]
    priority: bool


@dataclass(frozen=True)
class PriorityGroup:
    code: str
    name: str
    name_en: str
    icon: str
    head_start_minutes: float
    order: int


@dataclass(frozen=True)
class Window:
    days: tuple[int, ...]  # ISO weekdays, 1 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class Center:
    name: str
    name_en: str
    agency_id: str
    address: str
    timezone: str
    public_url: str = ""   # base of the citizen's ticket links; "" = the URL the request came in on


@dataclass(frozen=True)
class QueueRules:
    max_wait_minutes: float
    max_recalls: int
    rolling_window: int
    idle_sign_out_minutes: float = 30.0     # an officer with no action at the counter this long is signed out
    call_next_unstarted: str = "no_show"    # call-next over a called, never started ticket: no_show | refuse
    alert_ahead: int = 3                    # phone page "tell me when I'm close": notice at this many ahead; 0 = off


@dataclass(frozen=True)
class Integrations:
    """`[integrations]`: where dossiers come from (pull adapter by URL) and results go back."""
    source: str = ""              # onestop+http(s)://host/base, file:///drop/folder, or "" (push only)
    key: str = ""                 # bearer key the source wants (never logged)
    poll_seconds: float = 15.0    # between polls once caught up
    page_size: int = 500          # items asked per poll (catching up runs pages back to back)
    backoff_max_seconds: float = 300.0
    timeout_seconds: float = 20.0
    report_results: bool = True   # status 10 back to the source when a result is handed over
    retry_base_seconds: float = 15.0  # first retry of an unacknowledged report (doubling, ≤ 30 min)

    @property
    def scheme(self) -> str:
        return self.source.split("://", 1)[0] if self.source else ""


INTEGRATION_SCHEMES = ("onestop+http", "onestop+https", "file")


@dataclass(frozen=True)
class SiteConfig:
    path: str
    center: Center
    queue: QueueRules
    windows: tuple[Window, ...]
    priority_groups: dict[str, PriorityGroup] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    counters: dict[str, Counter] = field(default_factory=dict)
    # the whole parsed file: feature modules read their own tables (e.g. sections["lockers"])
    sections: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    integrations: Integrations = field(default_factory=Integrations)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.center.timezone)

    def head_start(self, group: str | None) -> float:
        return self.priority_groups[group].head_start_minutes if group else 0.0


class _Reader:
    """Typed access to one TOML table that reports the dotted key on error."""

    def __init__(self, path: Path, table: dict[str, Any], prefix: str):
        self.path, self.table, self.prefix = path, table, prefix

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.path, f"{self.prefix}{key}", problem)

    def get(self, key: str, kind: type | tuple, default: Any = ..., *, positive: bool = False) -> Any:
        if key not in self.table:
            if default is ...:
                raise self.fail(key, "missing")
            return default
        value = self.table[key]
        if isinstance(value, bool) and kind is not bool:
            raise self.fail(key, f"expected {_name(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(key, f"expected {_name(kind)}, got {type(value).__name__} {value!r}")
        if isinstance(value, str) and not value.strip():
            raise self.fail(key, "must not be empty")
        if positive and value <= 0:
            raise self.fail(key, f"must be > 0, got {value}")
        return value

    def code(self, key: str = "code") -> str:
        value = self.get(key, str)
        if not CODE.match(value):
            raise self.fail(key, f"{value!r} must be lowercase letters, digits, '-' or '_' (≤ 32)")
        return value

    def sub(self, key: str) -> list["_Reader"]:
        items = self.get(key, list)
        if not all(isinstance(i, dict) for i in items):
            raise self.fail(key, "expected an array of tables ([[...]])")
        return [_Reader(self.path, item, f"{self.prefix}{key}[{n}].") for n, item in enumerate(items)]


def _name(kind: type | tuple) -> str:
    names = {str: "a string", int: "an integer", float: "a number", list: "an array",
             dict: "a table", bool: "true/false"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _time(reader: _Reader, key: str) -> time:
    value = reader.get(key, str)
    try:
        hh, mm = value.split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise reader.fail(key, f"expected HH:MM, got {value!r}") from None


def load_site(path: Path | str = DEFAULT_CONFIG) -> SiteConfig:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "(file)", f"not UTF-8: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(file)", f"not valid TOML: {exc}") from None
    return parse_site(data, path)


def parse_site(data: dict[str, Any], path: Path | str = "<memory>") -> SiteConfig:
    path = Path(path)
    root = _Reader(path, data, "")
    c = _Reader(path, root.get("center", dict), "center.")
    center = Center(c.get("name", str), c.get("name_en", str, c.table.get("name", "")),
                    c.get("agency_id", str), c.get("address", str, ""), c.get("timezone", str),
                    c.get("public_url", str, "").rstrip("/"))
    if center.public_url and not re.match(r"^https?://[^/\s]+(/\S*)?$", center.public_url):
        raise c.fail("public_url", f"expected an http(s) URL like https://motcua.example.vn, got {center.public_url!r}")
    if not AGENCY_ID.match(center.agency_id):
        raise c.fail("agency_id", f"{center.agency_id!r} is not an agency ID like 000.00.00.H56")
    try:
        ZoneInfo(center.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise c.fail("timezone", f"unknown time zone {center.timezone!r}") from None

    q = _Reader(path, root.get("queue", dict), "queue.")
    queue = QueueRules(float(q.get("max_wait_minutes", (int, float), positive=True)),
                       q.get("max_recalls", int, 3), q.get("rolling_window", int, 20, positive=True),
                       float(q.get("idle_sign_out_minutes", (int, float), 30, positive=True)),
                       q.get("call_next_unstarted", str, "no_show"), q.get("alert_ahead", int, 3))
    if queue.call_next_unstarted not in ("no_show", "refuse"):
        raise q.fail("call_next_unstarted", f"expected 'no_show' or 'refuse', got {queue.call_next_unstarted!r}")
    if queue.max_recalls < 0:
        raise q.fail("max_recalls", "must be ≥ 0")
    if not 0 <= queue.alert_ahead <= 50:
        raise q.fail("alert_ahead", f"expected 0 (off) to 50 people ahead, got {queue.alert_ahead}")

    windows = []
    for w in root.sub("windows"):
        days = w.get("days", list)
        if not days or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days):
            raise w.fail("days", f"expected weekdays 1 (Monday) … 7 (Sunday), got {days!r}")
        start, end = _time(w, "start"), _time(w, "end")
        if end <= start:
            raise w.fail("end", f"{end:%H:%M} is not after start {start:%H:%M}")
        windows.append(Window(tuple(days), start, end))

    groups: dict[str, PriorityGroup] = {}
    for n, g in enumerate(root.sub("priority_groups")):
        code = g.code()
        if code in groups:
            raise g.fail("code", f"duplicate priority group {code!r}")
        head = g.get("head_start_minutes", (int, float))
        if head < 0:
            raise g.fail("head_start_minutes", "must be ≥ 0")
        groups[code] = PriorityGroup(code, g.get("name", str), g.get("name_en", str),
                                     g.get("icon", str), float(head), n)

    services: dict[str, Service] = {}
    letters: set[str] = set()
    for s in root.sub("services"):
        code = s.code()
        if code in services:
            raise s.fail("code", f"duplicate service {code!r}")
        letter = s.get("letter", str)
        if not re.fullmatch(r"[A-Z]", letter):
            raise s.fail("letter", f"expected one capital letter A–Z, got {letter!r}")
        if letter in letters:
            raise s.fail("letter", f"letter {letter!r} is already used by another service")
        letters.add(letter)
        cap = s.get("daily_cap", int, None)
        if cap is not None and not 1 <= cap <= 999:
            raise s.fail("daily_cap", f"must be 1…999 (three-digit numbers), got {cap}")
        procedures = []
        for p in s.sub("procedures") if "procedures" in s.table else []:
            docs = p.get("documents", list)
            if not all(isinstance(d, str) and d.strip() for d in docs):
                raise p.fail("documents", "expected an array of non-empty strings")
            fee = p.get("fee_vnd", int)
            days = p.get("time_limit_days", int)
            if fee < 0 or days < 0:
                raise p.fail("fee_vnd" if fee < 0 else "time_limit_days", "must be ≥ 0")
            procedures.append(Procedure(p.get("code", str), p.get("name", str),
                                        p.get("name_en", str, p.table.get("name", "")),
                                        tuple(docs), fee, days))
        services[code] = Service(
            code, letter, s.get("name", str), s.get("name_en", str),
            float(s.get("typical_minutes", (int, float), positive=True)), cap,
            float(s.get("max_wait_minutes", (int, float), queue.max_wait_minutes, positive=True)),
            tuple(procedures))
    if not services:
        raise root.fail("services", "at least one service is needed")

    counters: dict[str, Counter] = {}
    for k in root.sub("counters"):
        code = k.get("code", str)
        if code in counters:
            raise k.fail("code", f"duplicate counter {code!r}")
        served = k.get("services", list)
        if not served:
            raise k.fail("services", "a counter must serve at least one service")
        for name in served:
            if name not in services:
                raise k.fail("services", f"unknown service {name!r} (known: {', '.join(services)})")
        counters[code] = Counter(code, k.get("name", str), k.get("name_en", str, f"Counter {code}"),
                                 tuple(served), k.get("priority", bool, False))
    if not counters:
        raise root.fail("counters", "at least one counter is needed")
    for code in services:
        if not any(code in k.services for k in counters.values()):
            raise root.fail("services", f"service {code!r} is served by no counter")
    return SiteConfig(str(path), center, queue, tuple(windows), groups, services, counters, data,
                      _integrations(_Reader(path, root.get("integrations", dict, {}), "integrations.")))


def _integrations(r: _Reader) -> Integrations:
    source = r.get("source", str, "").strip() if r.table.get("source") != "" else ""
    if source and source.split("://", 1)[0] not in INTEGRATION_SCHEMES or (source and "://" not in source):
        raise r.fail("source", f"{source!r}: expected onestop+http://…, onestop+https://… or file:///folder")
    page = r.get("page_size", int, 500)
    if not 1 <= page <= 1000:
        raise r.fail("page_size", f"must be 1…1000, got {page}")
    return Integrations(source, r.get("key", str, "") if r.table.get("key") != "" else "",
                        float(r.get("poll_seconds", (int, float), 15.0, positive=True)), page,
                        float(r.get("backoff_max_seconds", (int, float), 300.0, positive=True)),
                        float(r.get("timeout_seconds", (int, float), 20.0, positive=True)),
                        r.get("report_results", bool, True),
                        float(r.get("retry_base_seconds", (int, float), 15.0, positive=True)))
