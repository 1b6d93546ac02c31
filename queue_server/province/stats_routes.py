"""The statistics API at the province, across sites (the site box's API, the same code).

    GET /api/v1/stats?from&to&by=service|…|day|site[&site=NAME][&format=json|csv|xlsx]
    GET /api/v1/stats/indicators?from&to[&site=NAME][&format=…]

A viewer key reads every site (or one with `site=`); a site key reads its own figures only
(another site's → 403; `by=site` shows its own row). Reads never write: the figures are
derived by the fact worker (worker.py) and each answer has a `freshness` object
(`up_to_date`, `as_of`, `behind`: sites with shipped rows not yet in the figures).
"""
from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from queue_server.auth.guards import bearer
from queue_server.errors import ApiError
from queue_server.province import keys
from queue_server.province.routes import _db
from queue_server.province.stats import RULES, freshness, province_sql
from queue_server.reports.stats import export
from queue_server.reports.stats.queries import PROVINCE_DIMENSIONS
from queue_server.reports.stats.routes import CHANNEL_NAMES, indicators_answer, period, stats_answer

router = APIRouter(prefix="/api/v1/stats", tags=["province statistics"])
Format = Query("json", pattern="^(json|csv|xlsx)$")


def reader_scope(request: Request, conn: psycopg.Connection, site: str | None) -> str | None:
    """The site the caller may read (None: every site), or 401/403/404."""
    secret = bearer(request)
    who = keys.lookup(conn, secret) if secret else None
    if who is None:
        raise ApiError(401, "unauthenticated", "Cần khóa xem của tỉnh hoặc khóa của điểm",
                       "A province viewer key or a site key is required", {"WWW-Authenticate": "Bearer"})
    if who.role == "site":
        if site not in (None, "", who.name):
            raise ApiError(403, "forbidden", f"Khóa của điểm {who.name} chỉ xem được số liệu của điểm mình",
                           f"The key of site {who.name} can read its own figures only")
        return who.name
    if site:
        if conn.execute("SELECT 1 FROM sites WHERE site = %s", (site,)).fetchone() is None:
            raise ApiError(404, "not_found", f"Không có điểm {site}", f"No site {site!r}")
        return site
    return None


def now_ts(request: Request) -> float:
    return request.app.state.settings.clock().timestamp()


def _label(by: str, key: Any) -> str:
    if by == "channel":
        return CHANNEL_NAMES.get(key, (key, key))[0]
    if by == "hour":
        return f"{key:02d}:00–{key:02d}:59"
    if by == "priority" and not key:
        return "Không ưu tiên"
    return key or "—"


def site_names(conn) -> dict[str, str]:
    """Each site's own name as it last sent it ([center] name), by its code."""
    return {site: name for site, name in conn.execute("SELECT site, center_name FROM sites") if name}


def service_names(conn, site: str | None) -> dict[str, str]:
    """Service names by code as the site sent them (across sites: the first site's name of a code)."""
    rows = (conn.execute("SELECT service_names FROM sites WHERE site = %s", (site,)) if site else
            conn.execute("SELECT service_names FROM sites ORDER BY site"))
    names: dict[str, str] = {}
    for (by_code,) in rows:
        for code, name in (by_code or {}).items():
            names.setdefault(code, name)
    return names


def province_stats(request: Request, from_: str | None, to: str | None, by: str, site: str | None) -> dict:
    if by not in PROVINCE_DIMENSIONS:
        raise ApiError(422, "validation_error", f"'by' phải là một trong: {', '.join(PROVINCE_DIMENSIONS)}",
                       f"'by' must be one of: {', '.join(PROVINCE_DIMENSIONS)}")
    tz = request.app.state.tz
    first, last = period(from_, to, request.app.state.settings.clock(), tz)

    def work(conn):
        scope = reader_scope(request, conn, site)
        names = site_names(conn)
        if by in ("site", "service"):
            known = names if by == "site" else service_names(conn, scope)
            label = lambda by, key: known.get(key, key)  # noqa: E731
        else:
            label = _label
        return {**stats_answer(province_sql(conn, scope), tz, first, last, by, label), "site": scope,
                "site_name": names.get(scope, scope) if scope else None,
                "freshness": freshness(conn, scope, now_ts(request))}
    return _db(request, work)


def province_indicators(request: Request, from_: str | None, to: str | None, site: str | None) -> dict:
    tz = request.app.state.tz
    first, last = period(from_, to, request.app.state.settings.clock(), tz)

    def work(conn):
        scope = reader_scope(request, conn, site)
        return {**indicators_answer(province_sql(conn, scope), tz, first, last, RULES), "site": scope,
                "site_name": site_names(conn).get(scope, scope) if scope else None,
                "freshness": freshness(conn, scope, now_ts(request))}
    return _db(request, work)


def _file(result: dict, table, title: str, kind: str, name: str) -> Response:
    header, rows = table(result)
    if kind == "csv":
        body, media = export.to_csv(header, rows), export.CSV
    else:
        first, last = date.fromisoformat(result["from"]), date.fromisoformat(result["to"])
        who = (result.get("site_name") or f"Điểm {result['site']}") if result["site"] else "Các điểm một cửa của tỉnh"
        body = export.workbook(who, export.period_text(first, last), [(title[:31], title, [(None, header, rows)])])
        media = export.XLSX
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}.{kind}"', "Cache-Control": "no-store"})


@router.get("")
async def get_stats(request: Request, from_: str | None = Query(None, alias="from"), to: str | None = None,
                    by: str = Query("site"), site: str | None = None, format: str = Format):
    result = await run_in_threadpool(province_stats, request, from_, to, by, site)
    if format == "json":
        return result
    where = f"-{result['site']}" if result["site"] else ""
    return _file(result, export.stats_table, f"Thống kê theo {export.BY_NAMES[by].lower()}", format,
                 f"thong-ke{where}-{by}-{result['from']}-{result['to']}")


@router.get("/indicators")
async def get_indicators(request: Request, from_: str | None = Query(None, alias="from"), to: str | None = None,
                         site: str | None = None, format: str = Format):
    result = await run_in_threadpool(province_indicators, request, from_, to, site)
    if format == "json":
        return result
    where = f"-{result['site']}" if result["site"] else ""
    return _file(result, export.indicators_table, "Chỉ tiêu QĐ 766", format,
                 f"chi-tieu-766{where}-{result['from']}-{result['to']}")
