"""Province API.

    POST /api/v1/province/batches   site key: apply a batch of this site's logs → {cursor, inserted, skipped}
    GET  /api/v1/province/cursor    site key: where the province has this site's logs up to
    GET  /api/v1/province/sites     viewer key: every site, its shipping lag and tickets today
                                    (and the figures' freshness, province/stats.py)
"""
from __future__ import annotations

import logging
from typing import Any

import orjson
import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from queue_server.auth.guards import bearer
from queue_server.clock import service_day
from queue_server.errors import ApiError, error_body
from queue_server.province import keys
from queue_server.province.apply import apply_batch
from queue_server.province.db import Busy
from queue_server.province.ranking import overview
from queue_server.province.stats import freshness

router = APIRouter(prefix="/api/v1/province", tags=["province"])
log = logging.getLogger("motcua.province")
RETRY_AFTER = "2"


def busy() -> ApiError:
    return ApiError(503, "busy", "Máy chủ tỉnh đang bận, gửi lại sau", "The province server is busy, retry later",
                    {"Retry-After": RETRY_AFTER})


def authorize(request: Request, conn: psycopg.Connection, role: str) -> keys.ProvinceKey:
    secret = bearer(request)
    if not secret:
        raise ApiError(401, "unauthenticated", "Cần khóa của điểm/tỉnh", "A province key is required",
                       {"WWW-Authenticate": "Bearer"})
    who = keys.lookup(conn, secret)
    if who is None:
        raise ApiError(401, "unauthenticated", "Khóa không hợp lệ", "Invalid key", {"WWW-Authenticate": "Bearer"})
    if who.role != role:
        raise ApiError(403, "forbidden", f"Khóa này không dùng được ở đây (cần khóa {role})",
                       f"This key cannot be used here (needs a {role} key)")
    return who


def _db(request: Request, work) -> Any:
    """Run `work(conn)` on a pooled connection; no free one soon → 503, PostgreSQL down → 503."""
    pool = request.app.state.pool
    try:
        with pool.connection(wait=request.app.state.settings.queue_wait_seconds) as conn:
            return work(conn)
    except Busy:
        raise busy() from None
    except psycopg.OperationalError:
        raise ApiError(503, "store_unavailable", "Kho dữ liệu tỉnh tạm thời không sẵn sàng",
                       "The province store is unavailable", {"Retry-After": RETRY_AFTER}) from None
    except psycopg.Error:  # nothing was applied (one transaction); the site sends it again later
        log.exception("province store error")
        raise ApiError(503, "store_error", "Kho dữ liệu tỉnh gặp lỗi, sẽ nhận lại sau",
                       "The province store failed; the batch will be taken again later",
                       {"Retry-After": "30"}) from None


@router.post("/batches")
async def post_batch(request: Request):
    settings = request.app.state.settings
    size = request.headers.get("content-length")
    if size and size.isdigit() and int(size) > settings.max_body_bytes:
        raise ApiError(413, "too_large", "Lô dữ liệu quá lớn, hãy gửi lô nhỏ hơn", "Batch too large, send smaller ones")
    body = await request.body()
    if len(body) > settings.max_body_bytes:
        raise ApiError(413, "too_large", "Lô dữ liệu quá lớn, hãy gửi lô nhỏ hơn", "Batch too large, send smaller ones")
    try:
        batch = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ApiError(400, "invalid_json", "Dữ liệu không phải JSON", "Body is not JSON") from None

    def work(conn):
        who = authorize(request, conn, "site")
        if not isinstance(batch, dict) or batch.get("site") != who.name:
            raise ApiError(403, "wrong_site", f"Khóa của điểm {who.name} không ghi được dữ liệu của điểm khác",
                           f"The key of site {who.name} cannot write another site's rows")
        return apply_batch(conn, who.name, batch, settings.clock().timestamp())

    out = await run_in_threadpool(_db, request, work)
    if out.gap:
        return JSONResponse({**error_body("cursor_gap", "Lô bắt đầu sau vị trí tỉnh đã nhận; gửi lại từ cursor / "
                                          "The batch starts past the province's cursor; resend from it"),
                             "cursor": out.cursor}, status_code=409)
    return {"cursor": out.cursor, "inserted": out.inserted, "skipped": out.skipped}


@router.get("/cursor")
async def get_cursor(request: Request):
    def work(conn):
        who = authorize(request, conn, "site")
        # also the site's heartbeat: an idle shipper asks every HEARTBEAT_SECONDS
        row = conn.execute('UPDATE sites SET last_seen_ts = %s WHERE site = %s RETURNING "cursor"',
                           (request.app.state.settings.clock().timestamp(), who.name)).fetchone()
        return {"site": who.name, "cursor": dict(row[0]) if row else {}}
    return await run_in_threadpool(_db, request, work)


def sites_overview(request: Request) -> dict:
    settings = request.app.state.settings
    now = settings.clock()
    day = service_day(now, request.app.state.tz)

    def work(conn):
        authorize(request, conn, "viewer")
        return {"day": day, "sites": overview(conn, day, now.timestamp(), request.app.state.tz),
                "freshness": freshness(conn, None, now.timestamp())}
    return _db(request, work)


@router.get("/sites")
async def get_sites(request: Request):
    return await run_in_threadpool(sites_overview, request)
