"""GET /province?token=VIEWER_KEY[&lang=en]: the province dashboard page (server-rendered,
refreshes itself every 30 s; nothing loaded from elsewhere): sites ranked by their month's
figures, each a link to GET /province/sites/NAME (that site's figures and 766 indicators,
the same API answers as on its own box) with CSV/XLSX downloads."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from queue_server.clock import iso_local
from queue_server.province.ranking import COLUMNS
from queue_server.province.routes import sites_overview
from queue_server.province.stats_routes import province_indicators, province_stats
from queue_server.reports.stats.export import BY_NAMES

router = APIRouter()
env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape())


def _lag(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"


@router.get("/province", response_class=HTMLResponse)
async def province_page(request: Request):
    data = await run_in_threadpool(sites_overview, request)
    lang = "en" if request.query_params.get("lang") == "en" else "vi"
    html = env.get_template("province.html").render(
        lang=lang, tr=lambda vi, en: en if lang == "en" else vi, day=data["day"], sites=data["sites"],
        total=sum(s["tickets_today"] for s in data["sites"]), columns=COLUMNS, lag=_lag,
        fresh=data["freshness"],
        when=lambda ts: (iso_local(ts) or "")[:19].replace("T", " ") if ts else "—",
        token=request.query_params.get("token", ""))
    return HTMLResponse(html)


def _tr(request: Request):
    lang = "en" if request.query_params.get("lang") == "en" else "vi"
    return lang, (lambda vi, en: en if lang == "en" else vi)


@router.get("/province/sites/{site}", response_class=HTMLResponse)
async def site_page(request: Request, site: str):
    q = request.query_params
    by = q.get("by", "service")
    stats = await run_in_threadpool(province_stats, request, q.get("from"), q.get("to"), by, site)
    ind = await run_in_threadpool(province_indicators, request, stats["from"], stats["to"], site)
    lang, tr = _tr(request)
    html = env.get_template("province_site.html").render(
        lang=lang, tr=tr, site=site, stats=stats, ind=ind, by=by, dims=[d for d in BY_NAMES if d != "site"],
        by_names=BY_NAMES, token=q.get("token", ""))
    return HTMLResponse(html)
