"""Only with `motcua serve --bench-routes` (used by `motcua bench server`): a no-op with the
ticket endpoint's shape — same auth, same body model, same Idempotency-Key header, no store —
so the bench can tell framework cost from ticket cost."""
from __future__ import annotations

from fastapi import APIRouter, Request
from .api_tickets import issue_input
from .view import FastJSONResponse

router = APIRouter(prefix="/api/v1/bench", tags=["bench"], include_in_schema=False)


@router.post("/noop-ticket", status_code=201)
async def noop_ticket(request: Request) -> FastJSONResponse:
    body, who, idempotency_key = await issue_input(request)
    return FastJSONResponse({"service": body.service, "by": who.name, "key": idempotency_key}, status_code=201)
