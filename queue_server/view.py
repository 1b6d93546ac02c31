"""JSON shapes of tickets, services and counters (the public contract)."""
from __future__ import annotations

import json
from typing import Any

from .clock import iso_local
from .config import Procedure, SiteConfig

TICKET_COLUMNS = ("id, day, service, seq, number, priority, priority_by, priority_proof, channel, "
                  "state, issued_ts, arrived_ts, called_ts, started_ts, finished_ts, counter, "
                  "recalls, transferred_from, transferred_to")


def ticket_json(site: SiteConfig, row: dict[str, Any], ahead: int | None = None,
                wait_min: int | None = None) -> dict[str, Any]:
    tz = site.tz
    service = site.services.get(row["service"])
    group = site.priority_groups.get(row["priority"]) if row["priority"] else None
    return {
        "id": row["id"], "number": row["number"], "service": row["service"],
        "service_name": service.name if service else row["service"],
        "service_name_en": service.name_en if service else row["service"],
        "priority": row["priority"],
        "priority_name": group.name if group else None,
        "priority_name_en": group.name_en if group else None,
        "channel": row["channel"], "state": row["state"], "day": row["day"], "seq": row["seq"],
        "issued_at": iso_local(row["issued_ts"], tz), "arrived_at": iso_local(row["arrived_ts"], tz),
        "called_at": iso_local(row["called_ts"], tz), "started_at": iso_local(row["started_ts"], tz),
        "finished_at": iso_local(row["finished_ts"], tz),
        "counter": row["counter"], "recalls": row["recalls"],
        "transferred_from": row["transferred_from"], "transferred_to": row["transferred_to"],
        "people_ahead": ahead if row["state"] == "waiting" else None,
        "estimated_wait_min": wait_min if row["state"] == "waiting" else None,
    }


def procedure_json(p: Procedure) -> dict[str, Any]:
    fee = "Miễn phí / Free" if p.fee_vnd == 0 else f"{p.fee_vnd:,} đồng".replace(",", ".")
    limit = ("Trong ngày / Same day" if p.time_limit_days == 0
             else f"{p.time_limit_days} ngày làm việc / {p.time_limit_days} working days")
    return {"code": p.code, "name": p.name, "name_en": p.name_en, "documents": list(p.documents),
            "fee_vnd": p.fee_vnd, "fee": fee, "time_limit_days": p.time_limit_days, "time_limit": limit}


def service_json(site: SiteConfig, code: str, summary: dict[str, Any], accepting: bool) -> dict[str, Any]:
    s = site.services[code]
    capped = s.daily_cap is not None and summary["issued_today"] >= s.daily_cap
    return {"code": s.code, "letter": s.letter, "name": s.name, "name_en": s.name_en,
            "typical_minutes": s.typical_minutes, "daily_cap": s.daily_cap,
            "max_wait_min": s.max_wait_minutes, **summary,
            "accepting": accepting and not capped,
            "procedures": [procedure_json(p) for p in s.procedures]}


def counter_json(site: SiteConfig, row: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    k = site.counters[row["code"]]
    return {"code": k.code, "name": k.name, "name_en": k.name_en, "services": list(k.services),
            "priority": k.priority, "state": row["state"],
            "current": ticket_json(site, current) if current else None}


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
