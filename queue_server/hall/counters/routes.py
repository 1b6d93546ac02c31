"""Counter actions: sign in, sign out, call next, pause, resume."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel, ConfigDict

from queue_server.hall.tickets import calling
from queue_server.auth.guards import RANK, Principal, require_staff
from queue_server.hall.counters import presence
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_site, get_store
from queue_server.store import Store
from queue_server.hall.tickets.view import FastJSONResponse, counter_json, ticket_json

router = APIRouter(prefix="/api/v1/counters", tags=["counters"])
Staff = Depends(require_staff("officer"))


class CallNextRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    finish_current: bool = True


@router.post("/{counter}/call-next", summary="Call the next ticket (200 ticket, 204 nobody waiting)",
             responses={204: {"description": "Nobody waiting for this counter's services"}})
async def call_next(counter: str, body: CallNextRequest | None = Body(None),
                    store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                    now: datetime = Depends(get_now), who: Principal = Staff) -> Response:
    finish_current = body.finish_current if body else True
    row = await store.run(lambda: calling.call_next(store, site, now, counter, actor=who.actor,
                                                  finish_current=finish_current))
    if row is None:
        return Response(status_code=204)
    return FastJSONResponse(ticket_json(site, row))


@router.post("/{counter}/pause", summary="Pause a counter (it calls nobody until resumed)")
async def pause(counter: str, store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                now: datetime = Depends(get_now), who: Principal = Staff) -> FastJSONResponse:
    return FastJSONResponse(counter_json(site, await store.run(lambda: calling.set_counter_state(store, site, now, counter, "paused", who.actor)), None))


@router.post("/{counter}/resume", summary="Resume a paused counter")
async def resume(counter: str, store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                 now: datetime = Depends(get_now), who: Principal = Staff) -> FastJSONResponse:
    return FastJSONResponse(counter_json(site, await store.run(lambda: calling.set_counter_state(store, site, now, counter, "open", who.actor)), None))


@router.post("/{counter}/sign-in", summary="The officer starts work at this counter (409 if another officer holds it)")
async def sign_in(counter: str, store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                  now: datetime = Depends(get_now), who: Principal = Staff) -> FastJSONResponse:
    row = await store.run(lambda: presence.sign_in(store, site, now, counter, who.actor))
    return FastJSONResponse(counter_json(site, row, None))


@router.post("/{counter}/sign-out", summary="The officer leaves this counter; it is closed until someone signs in")
async def sign_out(counter: str, store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                   now: datetime = Depends(get_now), who: Principal = Staff) -> FastJSONResponse:
    supervisor = RANK[who.role] >= RANK["supervisor"]
    row = await store.run(lambda: presence.sign_out(store, site, now, counter, who.actor, may_force=supervisor))
    return FastJSONResponse(counter_json(site, row, None))
