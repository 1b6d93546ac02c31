"""`/stats`: the supervisor's statistics page (range, breakdown, charts, exports).

Server-rendered shell; `static/stats.js` reads `/api/v1/stats` and draws the charts
with the vendored Chart.js (served from the box, no CDN).
"""
from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from queue_server.clock import service_day
from queue_server.web.auth_pages import PageDenied, require_page
from queue_server.web.pages import denied, render, site_data

router = APIRouter(include_in_schema=False)


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request):
    try:
        who, secret = require_page(request, "supervisor")
    except PageDenied as exc:
        return denied(request, exc)
    today = date.fromisoformat(service_day(request.app.state.settings.clock(), request.app.state.site.tz))
    q = request.query_params
    return render(request, "stats.html", {
        "token": secret, "user": who.name, "role": who.role, **site_data(request),
        "from": q.get("from") or (today - timedelta(days=29)).isoformat(), "to": q.get("to") or today.isoformat(),
        "by": q.get("by") or "service"})
