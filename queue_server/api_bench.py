"""Only with `motcua serve --bench-routes` (used by `motcua bench server`): a no-op with the
ticket endpoint's shape — same auth, same body model, same Idempotency-Key header, no store —
so the bench can tell framework cost from ticket cost."""
from __future__ import annotations

from fastapi import FastAPI, Request
from .api_tickets import issue_input
from .view import FastJSONResponse


async def noop_ticket(request: Request) -> FastJSONResponse:
    body, who, idempotency_key = await issue_input(request)
    return FastJSONResponse({"service": body.service, "by": who.name, "key": idempotency_key}, status_code=201)


def add_routes(app: FastAPI) -> None:
    """A plain route ahead of the routers: routing it costs what routing the ticket endpoint
    costs (first route of the first router), and the ticket endpoint passes it with one
    pattern test (~0.4 µs) — an included router in front would cost it ~2.5 µs."""
    app.add_api_route("/api/v1/bench/noop-ticket", noop_ticket, methods=["POST"], status_code=201,
                      include_in_schema=False)
