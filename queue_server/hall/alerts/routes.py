"""The phone page's "tell me when I'm close", reached only through the ticket's link token.

    GET    /api/v1/t/{token}/alert   is an alert set? (masked number only)
    POST   /api/v1/t/{token}/alert   {"phone", "consent": true, "lang"} → set (or replace) it
    DELETE /api/v1/t/{token}/alert   stop it (the number is deleted)

No kiosk or staff route sets one: the number comes only from the citizen's own phone.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from queue_server.hall.alerts import rules
from queue_server.auth.ratelimit import public_rate_limit
from queue_server.errors import ApiError
from queue_server.hall.tickets.citizen import citizen_view, is_final, public_base, resolve
from queue_server.hall.tickets.links import link_key, status_url

log = logging.getLogger("motcua.alerts")
router = APIRouter(prefix="/api/v1/t", tags=["citizen"])
CHECK_SECONDS = 2.0


class AlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: str = Field(max_length=20)
    consent: bool
    lang: Literal["vi", "en"] = "vi"


def _ticket(request: Request, token: str) -> tuple[int, dict[str, Any]]:
    state = request.app.state
    if not state.site.queue.alert_ahead:
        raise ApiError(404, "not_found", "Trung tâm không gửi tin nhắn báo lượt", "This center sends no queue alerts")
    ticket_id = resolve(state.store, token)
    return ticket_id, citizen_view(state.store, state.site, ticket_id, state.settings.clock())


@router.get("/{token}/alert", dependencies=[Depends(public_rate_limit)],
            summary="Whether an SMS alert is set for this ticket (masked number)")
def get_alert(token: str, request: Request) -> dict[str, Any]:
    ticket_id, _ = _ticket(request, token)
    return {**rules.alert_view(request.app.state.store, ticket_id), "threshold": request.app.state.site.queue.alert_ahead}


@router.post("/{token}/alert", status_code=201, dependencies=[Depends(public_rate_limit)],
             summary="SMS me when a few people are ahead and when my ticket is called")
def set_alert(token: str, body: AlertIn, request: Request) -> dict[str, Any]:
    ticket_id, view = _ticket(request, token)
    if not body.consent:
        raise ApiError(422, "consent_required", "Xin đồng ý để nhận tin nhắn", "Consent is needed to send messages")
    phone = rules.normalise_phone(body.phone)
    if phone is None:
        raise ApiError(422, "invalid_phone", "Số điện thoại di động không hợp lệ (ví dụ 0901234567)",
                       "Not a Vietnamese mobile number (e.g. 0901234567)")
    if is_final(view) or view["state"] not in ("waiting", "called"):
        raise ApiError(409, "ticket_closed", "Số này đã kết thúc, không cần báo tin", "This ticket is over: nothing to tell")
    state = request.app.state
    state.alert_link_base = public_base(request)   # the SMS links to the page on the URL the citizen used
    out = rules.subscribe(state.store, state.site, ticket_id, phone, body.lang, state.settings.clock())
    return {**out, "threshold": state.site.queue.alert_ahead}


@router.delete("/{token}/alert", dependencies=[Depends(public_rate_limit)], summary="Stop the SMS alert")
def delete_alert(token: str, request: Request) -> dict[str, Any]:
    ticket_id, _ = _ticket(request, token)
    rules.unsubscribe(request.app.state.store, ticket_id)
    return {"active": False}


def run_once(app: Any) -> int:
    """One round: the day's sweep, then the notices due. Used by the loop and by tests."""
    from queue_server.notices.outbox import locker_config
    state = app.state
    now = state.settings.clock()
    rules.sweep(state.store, state.site, now, state.notices_deliverer.outbox)

    def link_of(ticket_id: int) -> str:  # no request here: the public URL, else the one last used
        base = state.settings.public_url or state.site.center.public_url or getattr(state, "alert_link_base", "")
        return status_url(base, link_key(state.store), ticket_id) if base else ""
    return rules.check(state.store, state.site, locker_config(app).notices, now, link_of)


async def watch(app: Any) -> None:
    """Every CHECK_SECONDS: the alerts due (the lockers' worker then delivers the outbox)."""
    while True:
        await asyncio.sleep(CHECK_SECONDS)
        if not app.state.site.queue.alert_ahead:
            continue
        try:
            await app.state.store.run(lambda: run_once(app))
        except Exception:  # a busy database: the next round does it
            log.exception("queue alerts round failed")
