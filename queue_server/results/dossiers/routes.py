"""Dossier routes: created by staff, read by anyone holding the code (status and what to do
next), status changes and hand-over at the counter. The rules are in `dossiers.rules`."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from queue_server.edge.bounds import CleanText, Day, Moment
from queue_server.auth.guards import Principal, current_principal, require_staff
from queue_server.clock import iso_local
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_site, get_store
from queue_server.errors import ApiError
from queue_server.auth.ratelimit import public_rate_limit
from queue_server.results.dossiers import words
from queue_server.results.dossiers.rules import (RETURNED, contact_problem, dossier_json, get, mask_name, next_code,
                                         parse_code, require_code, set_status, status_name)
from queue_server.store import Store

log = logging.getLogger("motcua.dossiers")
router = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"])


class DossierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field would be dropped silently
    code: str | None = Field(None, max_length=64, description="existing code from the reception system (import)")
    procedure: CleanText = Field("", max_length=200)
    applicant_name: CleanText = Field("", max_length=200, description="stored masked only")
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=200)
    zalo_id: str | None = Field(None, max_length=100)
    received_at: Moment | None = None
    due_at: Moment | None = None
    due_date: Day | None = None
    status: int = Field(2, ge=1, le=10)
    channel: int = Field(1, ge=1, le=3, description="1 direct, 2 online, 3 public post")

    @model_validator(mode="after")
    def not_empty(self) -> "DossierIn":
        if not (self.code or self.procedure.strip() or self.applicant_name.strip()):
            raise ValueError("a dossier needs a code, a procedure or an applicant name")
        return self


class StatusIn(BaseModel):
    status: int = Field(..., ge=1, le=10)


def _check_contacts(body: DossierIn) -> None:
    problem = contact_problem(body.phone, body.email)
    if problem:
        raise ApiError(422, "validation_error", *problem)


@router.post("", status_code=201)
async def create(body: DossierIn, who: Principal = Depends(require_staff("officer")),
           store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
           now: datetime = Depends(get_now)) -> dict[str, Any]:
    def work() -> Any:  # runs in the store's group commit, on the event loop
        _check_contacts(body)
        received = body.received_at or now
        due = body.due_at or (datetime.combine(body.due_date, datetime.min.time(), site.tz) if body.due_date else None)
        with store.write() as tx:
            if body.code:
                try:
                    agency, day, seq = parse_code(body.code)
                except ValueError as exc:
                    raise ApiError(422, "validation_error", "Mã hồ sơ không đúng dạng", f"code: {exc}") from None
                code = body.code.strip()
                if get(tx, code):
                    raise ApiError(409, "already_exists", f"Hồ sơ {code} đã có", f"Dossier {code} already exists")
                source = "import"
            else:
                agency = site.center.agency_id
                code, day, seq = next_code(tx, agency, now)
                source = "staff"
            tx.db["dossiers"].insert({
                "code": code, "agency": agency, "day": day, "seq": seq, "procedure": body.procedure,
                "applicant_masked": mask_name(body.applicant_name), "phone": body.phone, "email": body.email,
                "zalo_id": body.zalo_id, "received_ts": received.timestamp(),
                "due_ts": due.timestamp() if due else None, "status": body.status, "status_ts": now.timestamp(),
                "source": source, "channel": body.channel, "created_by": who.actor, "created_ts": now.timestamp()})
            tx.execute("INSERT INTO dossier_events (code, ts, type, status_to, actor) VALUES (?,?,?,?,?)",
                       (code, now.timestamp(), source, body.status, who.actor))
            tx.emit("dossier.created", code=code, status=body.status)
            row = get(tx, code)
        log.info("dossier %s created (%s) by %s", code, source, who.actor)
        return dossier_json(site, row, staff=True)
    return await store.run(work)


def citizen_json(site: SiteConfig, row: dict[str, Any]) -> dict[str, Any]:
    """What anyone holding a (sequential, guessable) dossier code is told: its status and due date.
    Not who applied, for what, where or when it was collected."""
    return {"code": row["code"], "status": row["status"], **status_name(row["status"]),
            "due_at": iso_local(row["due_ts"], site.tz)}


@router.get("/{code}", dependencies=[Depends(public_rate_limit)])
def read(code: str, store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
         now: datetime = Depends(get_now),
         who: Principal | None = Depends(current_principal)) -> dict[str, Any]:
    """Anonymous: status, due date and what to do next. A kiosk (the citizen scanned the
    receipt): and the procedure. Staff: the staff view (contacts masked)."""
    row = get(store, require_code(code))
    if row is None:
        raise ApiError(404, "not_found", "Không tìm thấy hồ sơ", "Dossier not found")
    parcel = store.one("SELECT state, number FROM locker_parcels WHERE dossier = ? AND state = 'ready'", (row["code"],)) \
        if store.one("SELECT 1 AS x FROM sqlite_master WHERE name = 'locker_parcels'") else None
    postal = store.one("SELECT state, address_masked FROM postal_requests WHERE code = ?", (row["code"],)) \
        if store.one("SELECT 1 AS x FROM sqlite_master WHERE name = 'postal_requests'") else None
    vi, en = words.next_step(row, parcel, now, site.tz, postal)
    guidance = {"next_step": vi, "next_step_en": en, "overdue": words.overdue(row, now)}
    if who is None:
        return {**citizen_json(site, row), **guidance}
    return {**dossier_json(site, row, staff=who.kind == "staff"), **guidance}


@router.get("")
def listing(status: Annotated[int, Field(ge=1, le=10)] | None = None, limit: Annotated[int, Field(ge=1, le=1000)] = 200, who: Principal = Depends(require_staff("officer")),
            store: Store = Depends(get_store), site: SiteConfig = Depends(get_site)) -> list[dict[str, Any]]:
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    rows = store.query(f"SELECT * FROM dossiers {where} ORDER BY created_ts DESC LIMIT ?",
                       [*params, max(1, min(limit, 1000))])
    return [dossier_json(site, r, staff=True) for r in rows]


@router.post("/{code}/status")
async def change_status(code: str, body: StatusIn, who: Principal = Depends(require_staff("officer")),
                  store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                  now: datetime = Depends(get_now)) -> dict[str, Any]:
    def work() -> Any:  # runs in the store's group commit, on the event loop
        if body.status == RETURNED:
            raise ApiError(409, "invalid_state", "Trạng thái 10 chỉ được ghi khi trả kết quả",
                           "Status 10 is set when the result is handed over (locker pickup or counter return)")
        with store.write() as tx:
            set_status(tx, code, body.status, now, who.actor)
            row = get(tx, code)
        return dossier_json(site, row, staff=True)
    return await store.run(work)


class HandoverIn(BaseModel):
    channel: Literal["counter", "post"] = Field("counter", description="at the counter, or sent by public post")


@router.post("/{code}/handed-over")
async def handed_over(code: str, request: Request, body: HandoverIn | None = None,
                who: Principal = Depends(require_staff("officer")),
                store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                now: datetime = Depends(get_now)) -> dict[str, Any]:
    """Result handed over at the counter (e.g. after a return from the locker) or sent by post: status 10."""
    def work() -> Any:  # runs in the store's group commit, on the event loop
        channel = body.channel if body else "counter"
        with store.write() as tx:
            row = get(tx, code)
            if row is None:
                raise ApiError(404, "not_found", f"Không tìm thấy hồ sơ {code}", f"Dossier {code} not found")
            active = tx.execute("SELECT 1 FROM locker_parcels WHERE dossier = ? AND state NOT IN "
                                "('collected','returned','cancelled')", (code,)).fetchone() \
                if tx.execute("SELECT 1 FROM sqlite_master WHERE name='locker_parcels'").fetchone() else None
            if active:
                raise ApiError(409, "invalid_state", "Kết quả đang ở tủ, hãy thu hồi trước",
                               "The result is in a locker: retrieve it first")
            set_status(tx, code, RETURNED, now, who.actor, f"handed_over_{channel}", collected_ts=now.timestamp())
            from queue_server.notices.outbox import erase_contacts, locker_config
            if not locker_config(request.app).notices.contact_retention_days:  # later ones: the worker's sweep
                erase_contacts(tx, now, 0, code)
            row = get(tx, code)
        return dossier_json(site, row, staff=True)
    return await store.run(work)
