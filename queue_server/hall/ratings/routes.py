"""Citizen ratings: Rất hài lòng / Hài lòng / Không hài lòng, one per ticket.

The rating tablet at a counter (device role ``rating``) shows the ticket just
finished there and the officer who served it; a rating is stored with that
officer, counter and service so a supervisor can grade per officer. The
UNIQUE(ticket_id) constraint, checked inside the write transaction, makes a
second rating of the same ticket a clear 409 even when two taps race.

    GET  /api/v1/ratings/pending?counter=5     rating device | staff  → 200 target | 204
    POST /api/v1/ratings {ticket_id, level, reason?}  rating device  → 201 rating
    GET  /api/v1/ratings?day=&counter=&officer=       supervisor     → {ratings, summary}
"""
from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from queue_server.edge.bounds import CleanText, RowId
from queue_server.auth.guards import Principal, require_device, require_staff, require_staff_or_device
from queue_server.clock import iso_local, service_day
from queue_server.deps import get_now, get_site, get_store
from queue_server.errors import ApiError

router = APIRouter(prefix="/api/v1/ratings", tags=["ratings"])

LEVELS = ("very_satisfied", "satisfied", "dissatisfied")
LEVEL_NAMES = {
    "very_satisfied": ("Rất hài lòng", "Very satisfied"),
    "satisfied": ("Hài lòng", "Satisfied"),
    "dissatisfied": ("Không hài lòng", "Dissatisfied"),
}
# A citizen rates right after being served; an older finished ticket is not
# offered any more (the next citizen must not rate the previous one's service).
PENDING_MINUTES = 15


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt reason would be dropped
    ticket_id: RowId
    level: Literal["very_satisfied", "satisfied", "dissatisfied"]
    reason: CleanText | None = Field(default=None, max_length=500)


def officer_of(store, ticket_id: int) -> str | None:
    """The staff user who last acted on the ticket (finish, start or call)."""
    row = store.one(
        "SELECT actor FROM ticket_events WHERE ticket_id = ? AND actor IS NOT NULL "
        "AND actor != '' ORDER BY id DESC LIMIT 1", [ticket_id])
    return _username(row["actor"]) if row else None


def _username(actor: str) -> str:
    # actors may be written "staff:officer1"; people want the name
    return actor.split(":", 1)[1] if ":" in actor else actor


def _target(store, site, row: dict) -> dict:
    service = site.services.get(row["service"])
    counter = site.counters.get(row["counter"])
    return {
        "ticket": {
            "id": row["id"], "number": row["number"], "service": row["service"],
            "service_name": service.name if service else row["service"],
            "service_name_en": service.name_en if service else row["service"],
            "priority": row["priority"], "finished_at": iso_local(row["finished_ts"]),
        },
        "counter": row["counter"],
        "counter_name": counter.name if counter else row["counter"],
        "officer": officer_of(store, row["id"]),
        "officer_name": display_name(store, officer_of(store, row["id"])),
    }


def display_name(store, username: str | None) -> str | None:
    """The name a citizen reads on the tablet (`user add --display-name`), never a login if one is set."""
    if not username:
        return None
    row = store.one("SELECT display_name FROM staff WHERE username = ?", [username])
    return (row or {}).get("display_name") or username


@router.get("/pending", responses={204: {"description": "nothing to rate"}})
def pending(
    counter: str = Query(..., max_length=16),
    store=Depends(get_store), site=Depends(get_site), now: datetime = Depends(get_now),
    who: Principal = Depends(require_staff_or_device("officer", "rating")),
):
    """The ticket a citizen at this counter may rate now, if any."""
    if counter not in site.counters:
        raise ApiError(404, "not_found", f"Không có quầy {counter}", f"Counter {counter} not found")
    row = store.one(
        "SELECT t.* FROM tickets t LEFT JOIN ratings r ON r.ticket_id = t.id "
        "WHERE t.counter = ? AND t.state = 'done' AND t.finished_ts >= ? AND r.id IS NULL "
        "ORDER BY t.finished_ts DESC, t.id DESC LIMIT 1",
        [counter, now.timestamp() - PENDING_MINUTES * 60])
    if row is None:
        return Response(status_code=204)
    return _target(store, site, row)


@router.post("", status_code=201)
async def create_rating(
    body: RatingIn,
    store=Depends(get_store), site=Depends(get_site), now: datetime = Depends(get_now),
    who: Principal = Depends(require_device("rating")),
):
    def work() -> Any:  # runs in the store's group commit, on the event loop
        reason = (body.reason or "").strip() or None
        if body.level == "dissatisfied" and not reason:
            raise ApiError(422, "reason_required",
                           "Vui lòng cho biết lý do không hài lòng",
                           "A reason is required for 'dissatisfied'")
        ticket = store.one("SELECT * FROM tickets WHERE id = ?", [body.ticket_id])
        if ticket is None:
            raise ApiError(404, "not_found", f"Không tìm thấy số thứ tự {body.ticket_id}",
                           f"Ticket {body.ticket_id} not found")
        if ticket["state"] != "done" or not ticket["counter"]:
            raise ApiError(409, "invalid_state", f"Số {ticket['number']} chưa được phục vụ xong",
                           f"Ticket {ticket['number']} is not finished")
        officer = officer_of(store, ticket["id"])
        record = {
            "ticket_id": ticket["id"], "day": ticket["day"], "number": ticket["number"],
            "counter": ticket["counter"], "service": ticket["service"], "officer": officer,
            "level": body.level, "reason": reason, "device": who.name,
            "created_ts": now.timestamp(),
        }
        try:
            with store.write() as tx:
                record["id"] = tx.db["ratings"].insert(record).last_pk
                tx.emit("rating.created", counter=ticket["counter"], ticket=ticket["number"],
                        level=body.level, officer=officer)
        except sqlite3.IntegrityError as exc:
            raise ApiError(409, "already_rated",
                           f"Số {ticket['number']} đã được đánh giá, mỗi số chỉ đánh giá một lần",
                           f"Ticket {ticket['number']} has already been rated (one rating per ticket)") from exc
        return _public(record)
    return await store.run(work)


def _public(row: dict) -> dict:
    vi, en = LEVEL_NAMES[row["level"]]
    return {
        "id": row["id"], "ticket_id": row["ticket_id"], "ticket": row["number"], "day": row["day"],
        "counter": row["counter"], "service": row["service"], "officer": row["officer"],
        "level": row["level"], "level_name": vi, "level_name_en": en, "reason": row["reason"],
        "created_at": iso_local(row["created_ts"]),
    }


def summarize(store, day: str) -> dict:
    """Counts per level, overall and per officer, for one service day."""
    rows = store.query(
        "SELECT COALESCE(officer, '') AS officer, level, COUNT(*) AS n FROM ratings "
        "WHERE day = ? GROUP BY officer, level", [day])
    total = {level: 0 for level in LEVELS}
    per_officer: dict[str, dict[str, int]] = {}
    for r in rows:
        total[r["level"]] += r["n"]
        per_officer.setdefault(r["officer"], {level: 0 for level in LEVELS})[r["level"]] = r["n"]
    count = sum(total.values())
    return {
        "day": day, "count": count, "levels": total,
        "dissatisfied_pct": round(100 * total["dissatisfied"] / count, 1) if count else 0.0,
        "per_officer": per_officer,
    }


@router.get("")
def list_ratings(
    day: str | None = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$"),
    counter: str | None = None, officer: str | None = None,
    store=Depends(get_store), now: datetime = Depends(get_now),
    who: Principal = Depends(require_staff("supervisor")),
):
    day = day or service_day(now)
    sql, args = "SELECT * FROM ratings WHERE day = ?", [day]
    if counter:
        sql, args = sql + " AND counter = ?", args + [counter]
    if officer:
        sql, args = sql + " AND officer = ?", args + [officer]
    rows = store.query(sql + " ORDER BY id", args)
    return {"ratings": [_public(r) for r in rows], "summary": summarize(store, day)}
