"""Integration API: the province system pushes dossiers; supervisors see the sync's health.

    POST /api/v1/integrations/dossiers        integration key: {"items": [...]} (≤ 1,000)
         → 200 {"results": [{"code", "result": applied|unchanged|stale|rejected, "reason"}], "counts"}
    GET  /api/v1/integrations/results/outbox  integration key: status-10 reports not acknowledged yet
    POST /api/v1/integrations/results/ack     integration key: {"codes": [...]} received by the source
    GET  /api/v1/integrations/health          supervisor: sources, results not acknowledged, rejects
    GET  /api/v1/integrations/results         supervisor: the status-10 reports (?state=pending)
    POST /api/v1/integrations/results/retry   supervisor: send the pending reports now
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from queue_server.auth.guards import Principal, require_device, require_staff
from queue_server.clock import iso_local
from queue_server.deps import get_now, get_site, get_store
from queue_server.errors import ApiError
from queue_server.results.integrations import items, results
from queue_server.notices.outbox import locker_config
from queue_server.store import Store

log = logging.getLogger("motcua.integrations")
router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])
MAX_BODY_BYTES = 4 * 1024 * 1024       # 1,000 full items are ~0.5 MB
UNACKED_ALERT_S = 3600.0               # a result not acknowledged within an hour is shown as an alert
SILENT_ALERT_S = 900.0                 # a pull source not read for 15 min


def _too_large(what_vi: str, what_en: str) -> ApiError:
    return ApiError(413, "payload_too_large", f"{what_vi} quá lớn: tối đa {items.MAX_ITEMS} hồ sơ mỗi lần gửi",
                    f"{what_en} too large: at most {items.MAX_ITEMS} items per request")


@router.post("/dossiers")
async def push(request: Request, who: Principal = Depends(require_device("integration")),
               store: Store = Depends(get_store), now: datetime = Depends(get_now)) -> dict[str, Any]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large("Dữ liệu", "Body")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise _too_large("Dữ liệu", "Body")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(422, "validation_error", "Dữ liệu không phải JSON", "Body is not valid JSON") from None
    batch = body.get("items") if isinstance(body, dict) else None
    if not isinstance(batch, list):
        raise ApiError(422, "validation_error", "Cần {\"items\": [...]}", "Expected a JSON object {\"items\": [...]}")
    if len(batch) > items.MAX_ITEMS:
        raise _too_large("Lô", "Batch")
    tz = request.app.state.site.tz
    source = f"push:{who.name}"
    notify = locker_config(request.app).notices

    def apply() -> list[dict[str, Any]]:
        with store.write() as tx:
            answers = items.apply_batch(tx, batch, tz, now, who.actor, source, notify)
            counts = items.count(answers)
            tx.execute("INSERT INTO integration_sources (name, url, last_attempt_ts, last_success_ts, applied_total, "
                       "rejected_total, lag_s) VALUES (?, 'push', ?, ?, ?, ?, 0) ON CONFLICT (name) DO UPDATE SET "
                       "last_attempt_ts = excluded.last_attempt_ts, last_success_ts = excluded.last_success_ts, "
                       "applied_total = applied_total + excluded.applied_total, "
                       "rejected_total = rejected_total + excluded.rejected_total",
                       (source, now.timestamp(), now.timestamp(), counts["applied"], counts["rejected"]))
        return answers

    answers = await run_in_threadpool(apply)
    counts = items.count(answers)
    if counts["rejected"]:
        log.warning("push from %s: %d of %d item(s) rejected", who.name, counts["rejected"], len(batch))
    return {"results": answers, "counts": counts}


# -- health -----------------------------------------------------------------------------
def health(store: Store, now: datetime, tz: Any) -> dict[str, Any]:
    ts = now.timestamp()
    sources = []
    for s in store.query("SELECT * FROM integration_sources ORDER BY name"):
        since = ts - s["last_success_ts"] if s["last_success_ts"] else None
        sources.append({
            "name": s["name"], "url": s["url"], "cursor": s["cursor"],
            "last_success_at": iso_local(s["last_success_ts"], tz), "seconds_since_success": since and round(since),
            "lag_s": None if s["lag_s"] is None else round(s["lag_s"], 1),
            "last_error": s["last_error"], "last_error_at": iso_local(s["last_error_ts"], tz),
            "failures": s["failures"], "applied_total": s["applied_total"], "rejected_total": s["rejected_total"],
            "ok": s["failures"] == 0 and s["last_success_ts"] is not None})
    pending = store.query("SELECT * FROM integration_results WHERE state != 'acked' ORDER BY handed_over_ts LIMIT 50")
    counts = {r["state"]: r["n"] for r in store.query(
        "SELECT state, COUNT(*) AS n FROM integration_results GROUP BY state")}
    rejects = store.query("SELECT * FROM integration_rejects ORDER BY id DESC LIMIT 20")
    return {
        "sources": sources,
        "results": {"pending": counts.get("pending", 0), "failed": counts.get("failed", 0),
                    "acked": counts.get("acked", 0),
                    "unacknowledged": [result_json(r, tz) for r in pending]},
        "rejects": [{"at": iso_local(r["ts"], tz), "source": r["source"], "code": r["code"], "reason": r["reason"]}
                    for r in rejects],
    }


def alerts(h: dict[str, Any], now: datetime) -> list[tuple[str, str, str, str]]:
    """(level, code, vi, en) for the dashboard."""
    out = []
    for s in h["sources"]:
        if s["url"] != "push" and s["failures"]:
            out.append(("error" if s["failures"] >= 3 else "warning", "sync_failing",
                        f"Đồng bộ hồ sơ với hệ thống của tỉnh lỗi {s['failures']} lần: {s['last_error']}",
                        f"Province dossier sync failed {s['failures']} time(s): {s['last_error']}"))
        elif s["url"] != "push" and (s["seconds_since_success"] or 0) > SILENT_ALERT_S:
            out.append(("warning", "sync_silent", f"Chưa đồng bộ được hồ sơ {s['seconds_since_success'] // 60} phút",
                        f"No dossier sync for {s['seconds_since_success'] // 60} min"))
    late = [r for r in h["results"]["unacknowledged"]
            if r["state"] == "failed" or now.timestamp() - r["handed_over_ts"] > UNACKED_ALERT_S]
    if late and h["sources"]:  # a center that only imports exports has nobody to tell: listed, no alarm
        out.append(("warning", "results_unacknowledged",
                    f"{len(late)} kết quả đã trả chưa được hệ thống của tỉnh xác nhận",
                    f"{len(late)} handed-over result(s) not acknowledged by the province system"))
    return out


def result_json(r: dict[str, Any], tz: Any) -> dict[str, Any]:
    return {"code": r["code"], "channel": r["channel"], "handed_over_at": iso_local(r["handed_over_ts"], tz),
            "handed_over_ts": r["handed_over_ts"], "state": r["state"], "attempts": r["attempts"],
            "last_error": r["last_error"], "next_at": iso_local(r["next_ts"], tz), "acked_at": iso_local(r["acked_ts"], tz)}


@router.get("/health")
def get_health(store: Store = Depends(get_store), site=Depends(get_site), now: datetime = Depends(get_now),
               who: Principal = Depends(require_staff("supervisor"))) -> dict[str, Any]:
    return health(store, now, site.tz)


@router.get("/results")
def list_results(state: str | None = None, limit: int = 200, store: Store = Depends(get_store),
                 site=Depends(get_site), who: Principal = Depends(require_staff("supervisor"))) -> list[dict[str, Any]]:
    where, params = ("WHERE state = ?", [state]) if state else ("", [])
    rows = store.query(f"SELECT * FROM integration_results {where} ORDER BY id DESC LIMIT ?",
                       [*params, max(1, min(limit, 1000))])
    return [result_json(r, site.tz) for r in rows]


@router.post("/results/retry")
async def retry(store: Store = Depends(get_store), now: datetime = Depends(get_now),
          who: Principal = Depends(require_staff("supervisor"))) -> dict[str, int]:
    def work() -> Any:  # runs in the store's group commit, on the event loop
        return {"due_now": results.retry_now(store, now)}
    return await store.run(work)


# -- results for a source that pushes (no URL to call back): it fetches and acknowledges --
class AckIn(BaseModel):
    codes: list[str] = Field(..., max_length=items.MAX_ITEMS)


@router.get("/results/outbox")
def results_outbox(limit: int = 500, store: Store = Depends(get_store), site=Depends(get_site),
                   who: Principal = Depends(require_device("integration"))) -> dict[str, Any]:
    """Status-10 reports not acknowledged yet, oldest first, in the form of the result report."""
    rows = store.query("SELECT * FROM integration_results WHERE state = 'pending' ORDER BY id LIMIT ?",
                       (max(1, min(limit, items.MAX_ITEMS)),))
    return {"results": [results.payload(r, site.tz) for r in rows]}


@router.post("/results/ack")
async def results_ack(body: AckIn, store: Store = Depends(get_store), now: datetime = Depends(get_now),
                who: Principal = Depends(require_device("integration"))) -> dict[str, int]:
    """Mark reports as received by the source (idempotent: an acknowledged code stays acknowledged)."""
    def work() -> Any:  # runs in the store's group commit, on the event loop
        return {"acknowledged": results.acknowledge(store, body.codes, now)}
    return await store.run(work)


# -- the background worker -------------------------------------------------------------
