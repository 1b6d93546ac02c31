"""Ticket issue (kiosk key or staff), listing, and the officer's actions on a ticket."""
from __future__ import annotations

import hashlib
from datetime import datetime
from json.encoder import encode_basestring_ascii
from typing import Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from queue_server.edge.bounds import CleanText, RowId
from queue_server.hall.tickets import calling, rules
from queue_server.auth.guards import Principal, check_principal, principal_of, require_staff, require_staff_or_device
from queue_server.clock import service_day, to_ts
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_site, get_store
from queue_server.hall.tickets.citizen import ticket_link
from queue_server.hall.tickets.estimates import waiting_candidates
from queue_server.hall.tickets.ordering import Rule
from queue_server.hall.tickets.public import ticket_with_estimate
from queue_server.store import Store
from queue_server.hall.tickets.view import TICKET_COLUMNS, FastJSONResponse, ticket_json

router = APIRouter(prefix="/api/v1", tags=["tickets"])
Channel = Literal["kiosk", "web", "appointment", "counter"]


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: str = Field(min_length=1, max_length=32, description="service code, e.g. 'land'")
    priority: str | None = Field(None, max_length=32, description="priority group code, e.g. 'elderly'")
    channel: Channel = "kiosk"
    priority_proof: str | None = Field(None, max_length=32, description="how priority was checked, e.g. 'cccd_age'")
    person_hash: str | None = Field(None, min_length=16, max_length=128, pattern=r"^[0-9a-f]+$",
                                    description=("the kiosk's salted hash of a scanned chip-ID card (never the "
                                                 "number): one active priority ticket per card per day"))


class TransferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: str = Field(min_length=1, max_length=32)


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: CleanText | None = Field(None, max_length=200)


ISSUE_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": IssueRequest.model_json_schema()}}},
    "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                    "schema": {"type": "string", "maxLength": 128},
                    "description": ("same key + same body → the same ticket, never a second one; "
                                    "time-first keys (UUIDv7 layout, as the kiosk sends) keep the "
                                    "server's key index compact")}]}


async def issue_input(request: Request) -> tuple[IssueRequest, Principal, str | None]:
    """Auth, body and Idempotency-Key of a ticket request, read by hand: the hot path
    skips FastAPI's per-parameter machinery on the busiest endpoint (the schema is
    still published in OpenAPI through `openapi_extra`)."""
    who = check_principal(principal_of(request), "officer", ("kiosk",))
    try:
        body = IssueRequest.model_validate_json(await request.body() or b"null")
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    key = request.headers.get("idempotency-key")
    if key is not None and not 0 < len(key) <= 128:
        raise RequestValidationError([{"loc": ("header", "Idempotency-Key"), "msg": "must be 1–128 characters"}])
    return body, who, key


def request_digest(body: IssueRequest) -> str:
    """SHA-256 of `json.dumps(body.model_dump(), sort_keys=True)`, `person_hash` left out when not sent
    (the stored format), written
    out field by field with json's own C string encoder: same bytes, a fifth of the time."""
    # person_hash only when sent: keys stored before it existed still match their retries
    person = f'"person_hash": {_json(body.person_hash)}, ' if body.person_hash is not None else ""
    text = (f'{{"channel": {_json(body.channel)}, {person}"priority": {_json(body.priority)}, '
            f'"priority_proof": {_json(body.priority_proof)}, "service": {_json(body.service)}}}')
    return hashlib.sha256(text.encode()).hexdigest()


def _json(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)


@router.post("/tickets", status_code=201, openapi_extra=ISSUE_BODY,
             summary="Issue a ticket (kiosk key or staff; same Idempotency-Key → same ticket)")
async def issue(request: Request) -> FastJSONResponse:
    body, who, idempotency_key = await issue_input(request)
    state = request.app.state
    store, site, now = state.store, state.site, state.settings.clock()
    idem = (who.actor, idempotency_key, request_digest(body)) if idempotency_key else None
    row, replayed = await store.run(lambda: rules.issue_ticket(
        store, site, now, body.service, priority=body.priority, channel=body.channel, actor=who.actor,
        priority_proof=body.priority_proof, idempotency=idem, person_hash=body.person_hash,
        # Staff may issue outside the windows (late appointments); kiosks follow them.
        enforce_windows=state.settings.enforce_windows and who.kind == "device"))
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    existing = bool(row.pop("existing", False))
    body = ticket_with_estimate(store, site, row, now)
    body["status_url"] = ticket_link(request, row["id"])  # the citizen's page: on screen and in the QR
    if existing:  # this card already holds an active priority ticket today: that one, not a second
        body["existing_ticket"] = True
        return FastJSONResponse(body, status_code=200)
    return FastJSONResponse(body, status_code=201, headers=headers)


@router.get("/tickets", summary="Tickets of a day; state=waiting comes in calling order")
async def list_tickets(state: str | None = Query(None, max_length=32), service: str | None = Query(None, max_length=32),
                       day: str | None = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$"),
                       limit: int = Query(500, ge=1, le=5000),
                       store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                       now: datetime = Depends(get_now),
                       who: Principal = Depends(require_staff_or_device("officer", "display"))) -> FastJSONResponse:
    day = day or service_day(now, site.tz)
    sql, params = f"SELECT {TICKET_COLUMNS} FROM tickets WHERE day = ?", [day]
    if state:
        sql += " AND state = ?"
        params.append(state)
    if service:
        sql += " AND service = ?"
        params.append(service)
    rows = store.query(sql + " ORDER BY id LIMIT ?", [*params, limit])
    if state == "waiting":
        rank = {c.id: n for n, c in enumerate(Rule.from_site(site).order(
            waiting_candidates(store.db.conn, day, service), to_ts(now)))}
        rows.sort(key=lambda r: rank.get(r["id"], 0))
        return FastJSONResponse([ticket_json(site, r, rank.get(r["id"])) for r in rows])
    return FastJSONResponse([ticket_json(site, r) for r in rows])


Staff = Depends(require_staff("officer"))


# The four state changes that take only the ticket: one handler shape, one route each.
TICKET_ACTIONS = (
    ("recall", "recall", "Call again (after max_recalls: no-show)"),
    ("start", "start", "The visitor is at the counter"),
    ("finish", "finish", "Service done"),
    ("no_show", "no-show", "The visitor did not come"),
)


def _add_ticket_action(name: str, path: str, summary: str) -> None:
    rule = getattr(calling, name)

    async def action(ticket_id: RowId, store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                     now: datetime = Depends(get_now), who: Principal = Staff) -> FastJSONResponse:
        return FastJSONResponse(ticket_json(site, await store.run(lambda: rule(store, site, now, ticket_id, who.actor))))

    action.__name__ = name  # keeps the OpenAPI operation ids of the hand-written routes
    router.post(f"/tickets/{{ticket_id}}/{path}", summary=summary)(action)


for _name, _path, _summary in TICKET_ACTIONS:
    _add_ticket_action(_name, _path, _summary)


@router.post("/tickets/{ticket_id}/transfer", summary="Move to another service, keeping the arrival time")
async def transfer(ticket_id: RowId, body: TransferRequest, store: Store = Depends(get_store),
                   site: SiteConfig = Depends(get_site), now: datetime = Depends(get_now),
                   who: Principal = Staff) -> FastJSONResponse:
    row = await store.run(lambda: calling.transfer(store, site, now, ticket_id, body.service, who.actor))
    return FastJSONResponse(ticket_with_estimate(store, site, row, now))


@router.post("/tickets/{ticket_id}/cancel", summary="Cancel a waiting or called ticket")
async def cancel(ticket_id: RowId, body: CancelRequest | None = Body(None), store: Store = Depends(get_store),
                 site: SiteConfig = Depends(get_site), now: datetime = Depends(get_now),
                 who: Principal = Staff) -> FastJSONResponse:
    reason = body.reason if body else None
    return FastJSONResponse(ticket_json(site, await store.run(lambda: calling.cancel(store, site, now, ticket_id, who.actor, reason))))
