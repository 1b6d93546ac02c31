"""Appointments API: free slots, book (public, rate-limited), cancel, check-in (kiosk key).

    GET    /api/v1/appointments/slots?service=CODE&day=YYYY-MM-DD  → [{"start", "end", "available"}]
    POST   /api/v1/appointments {"service", "start", "phone"?}     → 201 {"code", "service", "start", "end", "status_url"}
    GET    /api/v1/appointments/{code}                             → the booking (phone masked)
    DELETE /api/v1/appointments/{code}                             → cancelled
    POST   /api/v1/appointments/{code}/check-in  (kiosk key)       → 201 ticket, channel "appointment"
"""
from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from queue_server.hall.appointments import rules
from queue_server.hall.appointments.guesses import lookup
from queue_server.auth.guards import Principal, require_staff_or_device
from queue_server.auth.ratelimit import public_rate_limit
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_site, get_store
from queue_server.errors import ApiError
from queue_server.notices.outbox import locker_config
from queue_server.store import Store
from queue_server.hall.tickets.citizen import public_base, ticket_link
from queue_server.hall.tickets.public import ticket_with_estimate
from queue_server.hall.tickets.view import FastJSONResponse

router = APIRouter(prefix="/api/v1/appointments", tags=["appointments"])
limited = [Depends(public_rate_limit)]
Code = Path(pattern=r"^[0-9][0-9 -]{3,19}$", description="the booking code (8 digits; spaces and dashes ignored)")


class BookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: str = Field(min_length=1, max_length=32)
    start: datetime = Field(description="slot start, as given by /slots (ISO 8601 with offset)")
    phone: str | None = Field(None, max_length=16, description="optional; kept hashed and masked, erased after the day")


def booking_json(request: Request, site: SiteConfig, a: dict, *, phone: bool = False) -> dict:
    """The booking as its holder sees it; the masked phone only in the answer to the booking itself."""
    svc = site.services[a["service"]]
    out = {"code": a["code"], "service": a["service"], "service_name": svc.name, "service_name_en": svc.name_en,
           "start": a["start"], "end": a["end"], "state": a["state"],
           "status_url": f"{public_base(request)}/book/{a['code']}"}
    if phone:
        out["phone"] = a["phone_masked"]
    return out


@router.get("/slots", dependencies=limited, summary="Slots of a day for a service, with free places")
async def list_slots(service: str = Query(min_length=1, max_length=32), day: date = Query(),
                     store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                     now: datetime = Depends(get_now)) -> FastJSONResponse:
    return FastJSONResponse(rules.slots(store.db.conn, site, now, service, day))


@router.post("", status_code=201, dependencies=limited, summary="Book a slot (no account)")
async def book(body: BookRequest, request: Request, store: Store = Depends(get_store),
               site: SiteConfig = Depends(get_site), now: datetime = Depends(get_now)) -> FastJSONResponse:
    if body.start.tzinfo is None:
        raise ApiError(422, "validation_error", "Giờ hẹn cần có múi giờ (như trong danh sách khung giờ)",
                       "start needs a UTC offset (as /slots gives it)")
    try:  # a start near year 1 or 9999 cannot be moved to local time
        body.start.astimezone(site.tz)
    except (OverflowError, ValueError):
        raise ApiError(422, "validation_error", "Giờ hẹn không hợp lệ", "Invalid start") from None
    phone = "".join(body.phone.split()) if body.phone else None
    notices = locker_config(request.app).notices   # the one outbox: reminders the day before and an hour before
    a = await store.run(lambda: rules.book(store, site, now, body.service, body.start, phone or None, notices))
    return FastJSONResponse(booking_json(request, site, a, phone=True), status_code=201)


@router.get("/{code}", dependencies=limited, summary="A booking by its code")
async def show(request: Request, code: str = Code, store: Store = Depends(get_store),
               site: SiteConfig = Depends(get_site)) -> FastJSONResponse:
    return FastJSONResponse(booking_json(request, site, lookup(request, lambda: rules.get(store.db.conn, site, code))))


@router.delete("/{code}", dependencies=limited, summary="Cancel a booking")
async def cancel(request: Request, code: str = Code, store: Store = Depends(get_store),
                 site: SiteConfig = Depends(get_site), now: datetime = Depends(get_now)) -> FastJSONResponse:
    lookup(request, lambda: rules.get(store.db.conn, site, code))   # wrong codes are counted, then refused
    a = await store.run(lambda: rules.cancel(store, site, now, code))
    return FastJSONResponse(booking_json(request, site, a))


@router.post("/{code}/check-in", status_code=201, summary="Check in at the kiosk: a ticket ordered by the slot")
async def check_in(request: Request, code: str = Code, store: Store = Depends(get_store),
                   site: SiteConfig = Depends(get_site), now: datetime = Depends(get_now),
                   who: Principal = Depends(require_staff_or_device("officer", "kiosk"))) -> FastJSONResponse:
    row = await store.run(lambda: rules.check_in(store, site, now, code, who.actor))
    on_time = row.pop("on_time")
    body = ticket_with_estimate(store, site, row, now)
    body["status_url"] = ticket_link(request, row["id"])
    body["appointment"] = {"code": rules._clean(code), "on_time": on_time}
    return FastJSONResponse(body, status_code=201)
