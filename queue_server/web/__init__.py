"""Web pages served by the queue server: officer console, hall display,
rating tablet, supervisor dashboard (feature module: `router` + `setup`)."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from queue_server.web import api, docs, pages, phone

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
router.include_router(phone.router)

STATIC = Path(__file__).resolve().parent / "static"


def setup(app: FastAPI) -> None:
    # Scripts and styles only: no data, no credentials, so public.
    app.mount("/web/static", StaticFiles(directory=str(STATIC)), name="web-static")
    docs.setup(app)  # /docs from the box, not a CDN


__all__ = ["router", "setup"]
