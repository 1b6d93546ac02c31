"""Small read models for the pages, so a page never downloads a whole day.

    GET /api/v1/board/calls?limit=6        display key | officer+   last calls, newest first
    GET /api/v1/console/{counter}/tally    officer+                 today's figures of one counter

Read-only queries on the core tables (one indexed query each); the ticket
shape is the core's `view.ticket_json`.
"""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query

from queue_server.auth.guards import Principal, require_staff, require_staff_or_device
from queue_server.clock import service_day
from queue_server.deps import get_now, get_site, get_store
from queue_server.errors import ApiError
from queue_server.hall.tickets.view import TICKET_COLUMNS, ticket_json

router = APIRouter(prefix="/api/v1", tags=["web pages"])


@router.get("/board/calls")
def board_calls(limit: int = Query(6, ge=1, le=50),
                store=Depends(get_store), site=Depends(get_site), now: datetime = Depends(get_now),
                who: Principal = Depends(require_staff_or_device("officer", "display"))):
    """The hall board's history: tickets called today, the latest call first."""
    day = service_day(now, site.tz)
    rows = store.query(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE day = ? AND called_ts IS NOT NULL "
        "AND counter IS NOT NULL ORDER BY called_ts DESC, id DESC LIMIT ?", [day, limit])
    return {"day": day, "now": now.astimezone(site.tz).isoformat(timespec="seconds"),
            "calls": [ticket_json(site, r) for r in rows]}


@router.get("/console/{counter}/tally")
def counter_tally(counter: str, store=Depends(get_store), site=Depends(get_site),
                  now: datetime = Depends(get_now),
                  who: Principal = Depends(require_staff("officer"))):
    """Today at one counter: served, no-shows, transfers, mean service time."""
    if counter not in site.counters:
        raise ApiError(404, "not_found", f"Không có quầy {counter}", f"Counter {counter} not found")
    day = service_day(now, site.tz)
    row = store.one(
        "SELECT SUM(state = 'done') AS done, SUM(state = 'no_show') AS no_show, "
        "SUM(state = 'transferred') AS transferred, "
        "AVG(CASE WHEN state = 'done' THEN finished_ts - COALESCE(started_ts, called_ts) END) AS mean_s "
        "FROM tickets WHERE day = ? AND counter = ?", [day, counter]) or {}
    mean = row.get("mean_s")
    return {"day": day, "counter": counter, "done": row.get("done") or 0,
            "no_show": row.get("no_show") or 0, "transferred": row.get("transferred") or 0,
            "avg_service_min": round(mean / 60, 1) if mean is not None else None}
