"""The server `motcua bench server` measures: `motcua serve` plus one bench-only route.

POST /api/v1/bench/noop-ticket is a no-op with the ticket endpoint's shape — same
auth, same body model, same Idempotency-Key header, no store — so the bench can
tell framework cost from ticket cost. It is added here, by the harness, and never
exists in the product's app.

    python -m bench.server_noop [motcua serve options]
"""
from __future__ import annotations

import sys

from fastapi import FastAPI, Request

from queue_server.hall.tickets.routes import issue_input
from queue_server.hall.tickets.view import FastJSONResponse


async def noop_ticket(request: Request) -> FastJSONResponse:
    body, who, idempotency_key = await issue_input(request)
    return FastJSONResponse({"service": body.service, "by": who.name, "key": idempotency_key}, status_code=201)


def add_routes(app: FastAPI) -> None:
    """A plain route ahead of the routers: routing it costs what routing the ticket endpoint
    costs (first route of the first router), and the ticket endpoint passes it with one
    pattern test (~0.4 µs) — an included router in front would cost it ~2.5 µs."""
    app.add_api_route("/api/v1/bench/noop-ticket", noop_ticket, methods=["POST"], status_code=201,
                      include_in_schema=False)
    app.router.routes.insert(0, app.router.routes.pop())


def main(argv: list[str] | None = None) -> int:
    from queue_server.cli import build_parser
    from queue_server.cli.serve import serve
    args = build_parser().parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    return serve(args, customize=add_routes)


if __name__ == "__main__":
    sys.exit(main())
