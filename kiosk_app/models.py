"""What the kiosk shows, built from the server's JSON.

Parsing is tolerant of extra fields and of the few naming variants a server
may use, so a server that adds a field does not break a kiosk in the hall.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk_app.i18n import N_


def _first(d: dict[str, Any], *keys: str, default: Any = None) -> Any:
    for key in keys:
        if key in d and d[key] is not None:
            return d[key]
    return default


def _name(d: Any, lang: str, default: str = "") -> str:
    """A name that may be a string or {"vi": ..., "en": ...}."""
    if isinstance(d, dict):
        return str(d.get(lang) or d.get("vi") or next(iter(d.values()), default))
    return str(d) if d is not None else default


@dataclass(frozen=True)
class Service:
    code: str
    name_vi: str
    name_en: str
    prefix: str = ""
    waiting: int = 0
    wait_min: int = 0
    open: bool = True
    raw: dict = field(default_factory=dict, compare=False, repr=False)
    wait_low: int | None = None      # the server's range (the same on every screen)
    wait_high: int | None = None
    wait_known: bool = True          # False: no counter open for it, no honest estimate

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_vi

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> "Service":
        name = _first(d, "name", "name_vi", default="")
        name_vi = _name(name, "vi")
        name_en = _first(d, "name_en", default=None) or (_name(name, "en") if isinstance(name, dict) else name_vi)
        wait = _first(d, "estimated_wait_min", "estimated_wait_minutes", default=None)
        known = wait is not None or "estimated_wait_min" not in d
        if wait is None:
            secs = _first(d, "estimated_wait_s", "estimated_wait_seconds", "estimated_wait", default=0) or 0
            wait = round(float(secs) / 60)
        return cls(code=str(_first(d, "code", "id", default="")), name_vi=name_vi, name_en=str(name_en),
                   prefix=str(_first(d, "letter", "prefix", default="")),
                   waiting=int(_first(d, "waiting", "waiting_count", "people_waiting", default=0) or 0),
                   wait_min=int(wait), open=bool(_first(d, "accepting", "open", default=True)), raw=d,
                   wait_low=_int_or_none(d.get("wait_low_min")), wait_high=_int_or_none(d.get("wait_high_min")),
                   wait_known=known)


@dataclass(frozen=True)
class Ticket:
    id: str
    number: str
    service_code: str
    service_vi: str
    service_en: str
    people_ahead: int
    wait_min: int
    priority: str
    status_url: str
    state: str = "waiting"
    issued_at: str = ""
    priority_vi: str = ""
    priority_en: str = ""
    wait_min_known: bool = True
    wait_low: int | None = None
    wait_high: int | None = None

    def service_name(self, lang: str) -> str:
        return self.service_en if lang == "en" and self.service_en else self.service_vi

    def priority_name(self, lang: str) -> str:
        return self.priority_en if lang == "en" and self.priority_en else self.priority_vi

    @classmethod
    def from_api(cls, d: dict[str, Any], public_url: str) -> "Ticket":
        service = d.get("service")
        svc = service if isinstance(service, dict) else {}
        code = str(svc.get("code") or (service if isinstance(service, str) else "") or d.get("service_code", ""))
        sname = svc.get("name") or d.get("service_name") or code
        wait = _first(d, "estimated_wait_min", "estimated_wait_minutes", default=None)
        known = wait is not None
        tid = str(_first(d, "id", "ticket_id", default=""))
        url = _first(d, "status_url", "url", default="") or f"{public_url.rstrip('/')}/t/{tid}"
        priority = d.get("priority") or ""
        if isinstance(priority, dict):
            priority = priority.get("code", "")
        return cls(id=tid, number=str(_first(d, "number", "display_number", default="?")),
                   service_code=code, service_vi=_name(sname, "vi"),
                   service_en=str(svc.get("name_en") or d.get("service_name_en") or _name(sname, "en")),
                   people_ahead=int(_first(d, "people_ahead", "ahead", default=0) or 0), wait_min=int(wait or 0),
                   wait_min_known=known, priority_vi=str(d.get("priority_name") or ""),
                   priority_en=str(d.get("priority_name_en") or d.get("priority_name") or ""),
                   priority=str(priority or ""), status_url=str(url),
                   wait_low=_int_or_none(d.get("wait_low_min")), wait_high=_int_or_none(d.get("wait_high_min")),
                   state=str(d.get("state", "waiting")), issued_at=str(_first(d, "issued_at", "created_at", default="")))


# Shown when the server's site config lists no groups (domain.md's usual list).
DEFAULT_GROUPS: list[dict[str, Any]] = [
    {"code": "elderly", "name_vi": "Người cao tuổi (từ 60 tuổi)", "name_en": "Elderly (60 or older)", "icon": "elderly"},
    {"code": "pregnant", "name_vi": "Phụ nữ mang thai", "name_en": "Pregnant women", "icon": "pregnant"},
    {"code": "disabled", "name_vi": "Người khuyết tật", "name_en": "People with disabilities", "icon": "wheelchair"},
    {"code": "merit", "name_vi": "Người có công với cách mạng", "name_en": "People with meritorious services", "icon": "medal"},
    {"code": "child", "name_vi": "Người bế con dưới 6 tuổi", "name_en": "Carrying a child under 6", "icon": "child"},
]
ICONS = ("elderly", "pregnant", "wheelchair", "medal", "child")
ICON_ALIASES = {"disabled": "wheelchair", "merit": "medal"}


@dataclass(frozen=True)
class PriorityGroup:
    code: str
    name_vi: str
    name_en: str
    icon: str

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_vi

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> "PriorityGroup":
        code = str(_first(d, "code", "id", default=""))
        name = _first(d, "name", "name_vi", "label", default=code)
        icon = str(d.get("icon") or code)
        icon = ICON_ALIASES.get(icon, icon)
        return cls(code=code, name_vi=_name(name, "vi"),
                   name_en=str(d.get("name_en") or (_name(name, "en") if isinstance(name, dict) else _name(name, "vi"))),
                   icon=icon if icon in ICONS else "medal")


def groups_from_site(site: dict[str, Any]) -> list[PriorityGroup]:
    raw = site.get("priority_groups") or (site.get("priority") or {}).get("groups") if isinstance(site, dict) else None
    if isinstance(raw, dict):
        raw = [{"code": k, **(v if isinstance(v, dict) else {"name": v})} for k, v in raw.items()]
    items = [g for g in (raw or []) if isinstance(g, dict) and g.get("code", "") not in ("", "none")]
    return [PriorityGroup.from_api(g) for g in (items or DEFAULT_GROUPS)]


@dataclass(frozen=True)
class Procedure:
    name_vi: str
    name_en: str
    documents: tuple[str, ...]
    fee: str
    time_limit: str

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> "Procedure":
        name = _first(d, "name", "title", default="")
        docs = d.get("documents") or d.get("documents_vi") or []
        fee = _first(d, "fee", "fee_text", "fee_vnd", default="")
        if isinstance(fee, (int, float)):
            fee = "Miễn phí" if not fee else f"{int(fee):,} đ".replace(",", ".")
        limit = _first(d, "time_limit", "time_limit_text", "processing_days", default="")
        if isinstance(limit, (int, float)):
            limit = f"{int(limit)} ngày làm việc"
        if isinstance(limit, str) and limit.isdigit():
            limit = f"{limit} ngày làm việc"
        return cls(name_vi=_name(name, "vi"), name_en=str(d.get("name_en") or _name(name, "en")),
                   documents=tuple(_name(x, "vi") for x in docs), fee=str(fee), time_limit=str(limit))


@dataclass(frozen=True)
class Dossier:
    code: str
    status: int
    appointment: str
    procedure: str
    status_name: str = ""        # the server's words for the status (vi, en)
    status_name_en: str = ""
    next_step: dict[str, str] = field(default_factory=dict)   # {"vi": ..., "en": ...} from the server

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> "Dossier":
        status = _first(d, "status_code", "status", default=0)
        if isinstance(status, dict):
            status = status.get("code", 0)
        try:
            status = int(status)
        except (TypeError, ValueError):
            status = 0
        return cls(code=str(d.get("code", "")), status=status,
                   appointment=str(_first(d, "appointment_at", "due_at", "appointment", "result_due_at", default="") or ""),
                   procedure=_name(_first(d, "procedure_name", "procedure", "title", default=""), "vi"),
                   status_name=str(d.get("status_name") or ""),
                   status_name_en=str(d.get("status_name_en") or d.get("status_name") or ""),
                   next_step={lang: str(d[key]) for lang, key in (("vi", "next_step"), ("en", "next_step_en"))
                              if isinstance(d.get(key), str) and d[key]})


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def wait_text(t: Any, low: int | None, high: int | None, minutes: int) -> str:
    """The wait as the server gives it: a range when there is one ("8–12 min")."""
    if low is not None and high is not None and high > 0:
        return t(N_("about {low}–{high} min"), low=low, high=high)
    return t(N_("about {minutes} min"), minutes=minutes)
