"""Postal return asked from the citizen's own phone, reached only through the page's link:

    POST /api/v1/t/{token}/postal                  ticket page: {dossier, recipient, address, phone?}
    POST /api/v1/t/{token}/postal/confirm          {dossier, confirm, code}
    POST /api/v1/appointments/{code}/postal        booking page: the same two steps
    POST /api/v1/appointments/{code}/postal/confirm

The link only says which page asks (and is rate-limited); what makes the request the applicant's
is the code sent to the contact on file (`postal.confirm`). A request started from one page is
confirmed only from that page.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from queue_server.hall.appointments import rules as appointments
from queue_server.hall.appointments.guesses import lookup
from queue_server.auth.ratelimit import public_rate_limit
from queue_server.deps import get_now, get_store
from queue_server.notices.outbox import locker_config
from queue_server.results.postal import confirm
from queue_server.results.postal.routes import ConfirmIn, PostalIn, check_body, confirm_with, refused
from queue_server.store import Store
from queue_server.hall.tickets.citizen import resolve

router = APIRouter(tags=["citizen"], dependencies=[Depends(public_rate_limit)])
BookingCode = Path(..., min_length=4, max_length=24)


class CitizenPostalIn(PostalIn):
    dossier: str = Field(..., min_length=1, max_length=64)


class CitizenConfirmIn(ConfirmIn):
    dossier: str = Field(..., min_length=1, max_length=64)


def ticket_source(request: Request, token: str) -> str:
    return f"ticket:{resolve(request.app.state.store, token)}"


def booking_source(request: Request, code: str) -> str:
    """Wrong booking codes count like the booking page's own (appointments.guesses). The booking
    code is a key to the booking: only a digest of it names the source."""
    state = request.app.state
    found = lookup(request, lambda: appointments.get(state.store.db.conn, state.site, code))
    return "booking:" + hashlib.sha256(found["code"].encode()).hexdigest()[:16]


async def start_from(request: Request, body: CitizenPostalIn, source: str, store: Store, now: datetime) -> Any:
    check_body(body)
    cfg = locker_config(request.app).notices

    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            return confirm.start(tx, cfg, body.dossier.strip(), body.recipient.strip(), body.address.strip(),
                                 body.phone, source, now)
    out, error = await store.run(work)
    return refused(error) if error else JSONResponse(out, status_code=202, headers={"Cache-Control": "no-store"})


@router.post("/api/v1/t/{token}/postal", status_code=202, summary="Receive a result by post: a code goes to the contact on file")
async def ticket_postal(token: str, body: CitizenPostalIn, request: Request, store: Store = Depends(get_store),
                        now: datetime = Depends(get_now)) -> Any:
    return await start_from(request, body, ticket_source(request, token), store, now)


@router.post("/api/v1/t/{token}/postal/confirm", status_code=201, summary="Confirm the postal request with the code received")
async def ticket_postal_confirm(token: str, body: CitizenConfirmIn, request: Request, store: Store = Depends(get_store),
                                now: datetime = Depends(get_now)) -> Any:
    return await confirm_with(store, request, body.dossier, body, ticket_source(request, token), now)


@router.post("/api/v1/appointments/{code}/postal", status_code=202, summary="Receive a result by post (booking page)")
async def booking_postal(body: CitizenPostalIn, request: Request, code: str = BookingCode,
                         store: Store = Depends(get_store), now: datetime = Depends(get_now)) -> Any:
    return await start_from(request, body, booking_source(request, code), store, now)


@router.post("/api/v1/appointments/{code}/postal/confirm", status_code=201, summary="Confirm (booking page)")
async def booking_postal_confirm(body: CitizenConfirmIn, request: Request, code: str = BookingCode,
                                 store: Store = Depends(get_store), now: datetime = Depends(get_now)) -> Any:
    return await confirm_with(store, request, body.dossier, body, booking_source(request, code), now)
