"""The citizen's own ticket, reached only through its link token (tickets/links.py).

    GET /api/v1/t/{token}          the ticket as its holder sees it (JSON)
    GET /api/v1/t/{token}/events   the same, pushed live (Server-Sent Events)

The view shows what a hall display shows plus this ticket's place in the queue:
no ticket id, no staff names, nothing about other visitors. A transferred ticket
is followed to the ticket that replaced it, so one link serves the whole visit.
"""
from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from typing import Any, AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.requests import HTTPConnection

from queue_server.auth.guards import principal_of
from queue_server.auth.ratelimit import public_rate_limit
from queue_server.clock import iso_local, service_day, to_ts
from queue_server.config import SiteConfig
from queue_server.errors import ApiError
from queue_server.store import Store
from queue_server.hall.tickets.estimates import ticket_wait
from queue_server.hall.tickets.links import link_key, status_url, ticket_id_for
from queue_server.hall.tickets.rules import get_ticket
from queue_server.hall.tickets.view import FastJSONResponse, dumps

router = APIRouter(prefix="/api/v1/t", tags=["citizen"])
STREAM_SECONDS = 55.0      # a stream ends by itself (the browser reconnects): proxies and restarts stay simple
HEARTBEAT_SECONDS = 15.0   # a comment line keeps idle connections open; the view is re-read then too
FOLLOW_LIMIT = 10          # transfers followed at most (a loop would be a bug, never a hang)


def public_base(conn: HTTPConnection) -> str:
    """Base of ticket links: `serve --public-url`, else [center] public_url, else this request's URL."""
    state = conn.app.state
    return state.settings.public_url or state.site.center.public_url or str(conn.base_url).rstrip("/")


def ticket_link(conn: HTTPConnection, ticket_id: int) -> str:
    return status_url(public_base(conn), link_key(conn.app.state.store), ticket_id)


def resolve(store: Store, token: str) -> int:
    ticket_id = ticket_id_for(link_key(store), token)
    if ticket_id is None or store.one("SELECT 1 AS x FROM tickets WHERE id = ?", (ticket_id,)) is None:
        raise ApiError(404, "not_found", "Không tìm thấy số thứ tự này (đường dẫn sai hoặc đã cũ)",
                       "No such ticket (wrong or outdated link)")
    return ticket_id


def current_row(db: Any, ticket_id: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ticket the citizen holds now (after transfers), and the one it was transferred from."""
    row, previous = get_ticket(db, ticket_id), None
    for _ in range(FOLLOW_LIMIT):
        if row["state"] != "transferred" or not row["transferred_to"]:
            break
        previous, row = row, get_ticket(db, row["transferred_to"])
    return row, previous


def citizen_view(store: Store, site: SiteConfig, ticket_id: int, now: datetime) -> dict[str, Any]:
    db = store.db.conn
    row, previous = current_row(db, ticket_id)
    service = site.services.get(row["service"])
    counter = site.counters.get(row["counter"]) if row["counter"] else None
    expired = row["day"] < service_day(now, site.tz)
    state = "expired" if expired and row["state"] in ("waiting", "called", "serving") else row["state"]
    ahead = wait = low = high = None
    if state == "waiting":  # the same estimate as the kiosk's, the ticket's and the services list's
        e = ticket_wait(db, site, row, to_ts(now), store.memo)
        ahead, wait, low, high = e.ahead, e.minutes, e.low, e.high
    view = {
        "number": row["number"], "day": row["day"], "state": state, "expired": expired,
        "service": row["service"],
        "service_name": service.name if service else row["service"],
        "service_name_en": service.name_en if service else row["service"],
        "people_ahead": ahead, "estimated_wait_min": wait,
        "wait_low_min": low, "wait_high_min": high,
        "counter": row["counter"],
        "counter_name": counter.name if counter else None,
        "counter_name_en": counter.name_en if counter else None,
        "called_at": iso_local(row["called_ts"], site.tz), "recalls": row["recalls"],
        "issued_at": iso_local(row["issued_ts"], site.tz),
        "transferred_from": None,
        "center_name": site.center.name, "center_name_en": site.center.name_en,
    }
    if previous is not None:
        old = site.services.get(previous["service"])
        view["transferred_from"] = {"number": previous["number"], "service": previous["service"],
                                    "service_name": old.name if old else previous["service"],
                                    "service_name_en": old.name_en if old else previous["service"]}
    return view


def is_final(view: dict[str, Any]) -> bool:
    return view["expired"] or view["state"] in ("done", "no_show", "cancelled", "expired")


@router.get("/{token}", dependencies=[Depends(public_rate_limit)],
            summary="The citizen's ticket by its link token: state, people ahead, wait range, counter")
async def ticket_by_token(token: str, request: Request) -> FastJSONResponse:
    state = request.app.state
    ticket_id = resolve(state.store, token)
    view = citizen_view(state.store, state.site, ticket_id, state.settings.clock())
    if principal_of(request) is not None:  # a kiosk that scanned the QR: enough to show and reprint it
        row, _ = current_row(state.store.db.conn, ticket_id)
        view.update(id=row["id"], priority=row["priority"], status_url=ticket_link(request, ticket_id))
    return FastJSONResponse(view, headers={"Cache-Control": "no-store"})


@router.get("/{token}/events", dependencies=[Depends(public_rate_limit)],
            summary="The citizen's ticket, live (text/event-stream: one `ticket` event per change)")
async def ticket_events(token: str, request: Request) -> StreamingResponse:
    state = request.app.state
    ticket_id = resolve(state.store, token)
    return StreamingResponse(_stream(request, ticket_id), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _stream(request: Request, ticket_id: int) -> AsyncIterator[str]:
    state = request.app.state
    store, site, bus, clock = state.store, state.site, state.bus, state.settings.clock
    queue = bus.subscribe()
    ends = time.monotonic() + STREAM_SECONDS
    last = ""
    try:
        yield "retry: 2000\n\n"
        while True:
            view = citizen_view(store, site, ticket_id, clock())
            text = dumps(view)
            if text != last:
                last = text
                yield f"event: ticket\ndata: {text}\n\n"
            if is_final(view):
                return  # the page closes its stream on a final state: nothing more will change
            left = ends - time.monotonic()
            if left <= 0:
                return
            if not await _relevant_event(queue, view, min(left, HEARTBEAT_SECONDS)):
                if queue.qsize() == 0 and left > HEARTBEAT_SECONDS:
                    yield ": ping\n\n"
            if await request.is_disconnected():
                return
    finally:
        bus.unsubscribe(queue)


async def _relevant_event(queue: asyncio.Queue, view: dict[str, Any], timeout: float) -> bool:
    """Wait up to `timeout` for an event that may change this ticket's view; swallow the others.
    Queue changes of the ticket's service, counter changes and every ticket event of that
    service (a call moves the queue) count; the view is re-read once for a burst of them."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            text = await asyncio.wait_for(queue.get(), left)
        except asyncio.TimeoutError:
            return False
        if text is None:  # the bus dropped this slow subscriber: re-read now, then end by timeout
            return True
        if _touches(text, view):
            while not queue.empty():  # a burst of events: one re-read for all of them
                queue.get_nowait()
            return True


def _touches(text: str, view: dict[str, Any]) -> bool:
    event = json.loads(text)
    kind = event.get("type", "")
    if kind.startswith("counter."):
        return True
    if kind == "queue.changed":
        return event.get("service") == view["service"]
    if kind.startswith("ticket."):
        ticket = event.get("ticket") or {}
        return ticket.get("service") == view["service"] or ticket.get("number") == view["number"]
    return False
