"""Citizens' endpoints (no login): site, services, procedures, counters; and ticket status by
sequential id, which is for staff and devices only (ids are guessable: anyone could follow
everyone's tickets; the citizen's own page comes with a token of its own)."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request

from queue_server.edge.bounds import RowId
from queue_server.clock import service_day, to_ts
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_settings, get_site, get_store
from queue_server.errors import ApiError
from queue_server.hall.tickets.estimates import service_summary, ticket_wait
from queue_server.auth.guards import Principal, current_principal, require_staff_or_device
from queue_server.auth.ratelimit import public_rate_limit
from queue_server.auth.roles import DEVICE_ROLES
from queue_server.hall.tickets.citizen import ticket_link
from queue_server.hall.counters.presence import counter_rows
from queue_server.hall.tickets.rules import get_ticket, is_open, next_open
from queue_server.settings import Settings
from queue_server.store import Store
from queue_server.hall.tickets.view import (TICKET_COLUMNS, FastJSONResponse, counter_json, procedure_json, public_ticket,
                                      service_json, ticket_json)

router = APIRouter(prefix="/api/v1", tags=["public"])
limited = [Depends(public_rate_limit)]


@router.get("/health", summary="No-op: the server is up")
async def health() -> FastJSONResponse:
    return FastJSONResponse({"ok": True})


@router.get("/site", dependencies=limited, summary="Center, issuing windows, priority groups")
async def site_info(site: SiteConfig = Depends(get_site), now: datetime = Depends(get_now)) -> FastJSONResponse:
    c = site.center
    return FastJSONResponse({
        "center_name": c.name, "center_name_en": c.name_en, "agency_id": c.agency_id,
        "address": c.address, "timezone": c.timezone, "now": now.astimezone(site.tz).isoformat(timespec="seconds"),
        "day": service_day(now, site.tz), "open_now": is_open(site, now),
        "next_open_at": (lambda at: at.isoformat(timespec="minutes") if at else None)(next_open(site, now)),
        "windows": [{"days": list(w.days), "start": f"{w.start:%H:%M}", "end": f"{w.end:%H:%M}"} for w in site.windows],
        "max_wait_min": site.queue.max_wait_minutes, "max_recalls": site.queue.max_recalls,
        "priority_groups": [{"code": g.code, "name": g.name, "name_en": g.name_en, "icon": g.icon,
                             "head_start_min": g.head_start_minutes, "order": g.order}
                            for g in site.priority_groups.values()],
        "calling_rule": ("Số được gọi theo thứ tự đến; người ưu tiên được tính như đến sớm hơn; "
                         f"ai đã chờ quá {site.queue.max_wait_minutes:g} phút được gọi trước."),
        "calling_rule_en": ("Tickets are called in order of arrival; priority visitors count as having "
                            f"arrived earlier; anyone waiting over {site.queue.max_wait_minutes:g} minutes goes first."),
    })


def _services(store: Store, site: SiteConfig, now: datetime, settings: Settings) -> dict[str, dict]:
    summary = service_summary(store.db.conn, site, service_day(now, site.tz), store.memo, to_ts(now))
    # `serve --open-all-hours` issues tickets outside the windows: say so to the kiosks too
    open_now = is_open(site, now) or not settings.enforce_windows
    return {code: service_json(site, code, summary[code], open_now) for code in site.services}


def _service_or_404(site: SiteConfig, code: str) -> None:
    if code not in site.services:
        raise ApiError(404, "not_found", f"Không có lĩnh vực '{code}'", f"Unknown service '{code}'")


@router.get("/services", dependencies=limited, summary="Services with waiting counts and estimated waits")
async def services(store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                   now: datetime = Depends(get_now), settings: Settings = Depends(get_settings)) -> FastJSONResponse:
    return FastJSONResponse(list(_services(store, site, now, settings).values()))


@router.get("/services/{code}", dependencies=limited, summary="One service")
async def service(code: str, store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                  now: datetime = Depends(get_now), settings: Settings = Depends(get_settings)) -> FastJSONResponse:
    _service_or_404(site, code)
    return FastJSONResponse(_services(store, site, now, settings)[code])


@router.get("/services/{code}/procedures", dependencies=limited,
            summary="Common procedures of a service: documents, fee, time limit")
async def procedures(code: str, site: SiteConfig = Depends(get_site)) -> FastJSONResponse:
    _service_or_404(site, code)
    return FastJSONResponse([procedure_json(p) for p in site.services[code].procedures])


def ticket_with_estimate(store: Store, site: SiteConfig, row: dict, now: datetime) -> dict:
    if row["state"] != "waiting":
        return ticket_json(site, row)
    if "people_ahead" in row:  # computed by the rule that just wrote it
        return ticket_json(site, row, row["people_ahead"], row["estimated_wait_min"], row.get("wait_span"))
    e = ticket_wait(store.db.conn, site, row, to_ts(now), store.memo)
    return ticket_json(site, row, e.ahead, e.minutes, (e.low, e.high))


@router.get("/tickets/{ticket_id}", dependencies=limited, summary="Ticket state, people ahead, estimated wait")
async def ticket_status(ticket_id: RowId, request: Request, store: Store = Depends(get_store),
                        site: SiteConfig = Depends(get_site), now: datetime = Depends(get_now),
                        who: Principal = Depends(require_staff_or_device("officer", *DEVICE_ROLES))) -> FastJSONResponse:
    """Staff and devices only (ids are sequential); the link in the answer is the citizen's key."""
    body = ticket_with_estimate(store, site, get_ticket(store.db.conn, ticket_id), now)
    body["status_url"] = ticket_link(request, ticket_id)
    return FastJSONResponse(body)


@router.get("/counters", dependencies=limited, summary="Counters: state and the ticket each one holds")
async def counters(store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                   who: Principal | None = Depends(current_principal)) -> FastJSONResponse:
    """Anonymous callers see each counter's current ticket as a hall display shows it (number and
    service); staff and devices also see its priority group and times."""
    current = {r["counter"]: r for r in store.query(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE state IN ('called', 'serving')")}
    rows = counter_rows(store.db.conn, site)
    out = [counter_json(site, rows[code], current.get(code)) for code in site.counters if code in rows]
    if who is None:
        for c in out:
            c["current"] = public_ticket(c["current"])
    return FastJSONResponse(out)
