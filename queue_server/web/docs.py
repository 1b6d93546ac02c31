"""`/docs`: Swagger UI served from the box (the box may have no internet).

FastAPI's default page loads Swagger UI from a CDN and starts it with an inline
script. Here the assets come from the `fastapi-offline` package (Swagger UI 5,
which reads OpenAPI 3.1) and the start-up script is a static file, so the page
works offline and under a Content-Security-Policy without inline scripts.
"""
from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>{title} — API</title>
<link rel="icon" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head><body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/web/static/swagger-start.js"></script>
</body></html>
"""


def setup(app: FastAPI) -> None:
    """Call with an app made with `docs_url=None, redoc_url=None`."""
    page = PAGE.format(title=app.title.split(" — ")[0], openapi_url=app.openapi_url)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page)

    app.mount("/docs/assets", StaticFiles(directory=str(ASSETS)), name="docs-assets")
