"""Result lockers, the staff side: banks, alerts, audit, parcels; console deposits, supervised
retrievals and new codes; enabling a compartment; the sweep. Rules: `lockers.rules`, `lockers.pickup`.

Registered before the kiosk routes: `/alerts`, `/audit`, `/parcels` must match before `/{kiosk}`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from queue_server.auth.guards import Principal, require_staff, require_staff_or_device
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_site, get_store
from queue_server.edge.bounds import CompartmentNo, RowId
from queue_server.errors import ApiError
from queue_server.results.lockers import rules, uncollected
from queue_server.results.lockers.access import bank_json, cfg_of, parcel_json
from queue_server.results.lockers.audit import alert_json, audit_json
from queue_server.results.lockers.parcels import ACTIVE_SQL, parcel_by_id, row
from queue_server.store import Store

router = APIRouter(prefix="/api/v1/lockers", tags=["lockers"])


@router.get("")
def banks(request: Request, who: Principal = Depends(require_staff_or_device("officer", "kiosk", "locker", "display")),
          store: Store = Depends(get_store), site: SiteConfig = Depends(get_site)) -> list[dict[str, Any]]:
    cfg = cfg_of(request)
    return [bank_json(store, cfg, k, site.tz) for k, b in cfg.banks.items() if who.kind == "staff" or b.bound(who.name)]


@router.get("/alerts")
def alerts(state: Literal["open", "ack", "all"] = "open", limit: Annotated[int, Field(ge=1, le=1000)] = 200,
           who: Principal = Depends(require_staff("supervisor")), store: Store = Depends(get_store),
           site: SiteConfig = Depends(get_site)) -> list[dict[str, Any]]:
    where = "" if state == "all" else "WHERE state = ?"
    rows = store.query(f"SELECT * FROM locker_alerts {where} ORDER BY id DESC LIMIT ?",
                       ([] if state == "all" else [state]) + [max(1, min(limit, 1000))])
    return [alert_json(r, site.tz) for r in rows]


@router.post("/alerts/{alert_id}/ack")
async def ack(alert_id: RowId, who: Principal = Depends(require_staff("supervisor")), store: Store = Depends(get_store),
        site: SiteConfig = Depends(get_site), now: datetime = Depends(get_now)) -> dict[str, Any]:
    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            cur = tx.execute("UPDATE locker_alerts SET state = 'ack', ack_ts = ?, ack_by = ? WHERE id = ? AND state = 'open'",
                             (now.timestamp(), who.actor, alert_id))
            if not cur.rowcount and not row(tx, "SELECT id FROM locker_alerts WHERE id = ?", (alert_id,)):
                raise ApiError(404, "not_found", "Không tìm thấy cảnh báo", "Alert not found")
            found = row(tx, "SELECT * FROM locker_alerts WHERE id = ?", (alert_id,))
        return alert_json(found, site.tz)
    return await store.run(work)


@router.get("/audit")
def audit_log(kiosk: str | None = None, compartment: CompartmentNo | None = None, dossier: str | None = None,
              limit: Annotated[int, Field(ge=1, le=5000)] = 200,
              who: Principal = Depends(require_staff("supervisor")), store: Store = Depends(get_store),
              site: SiteConfig = Depends(get_site)) -> list[dict[str, Any]]:
    where, params = [], []
    for col, value in (("kiosk", kiosk), ("number", compartment), ("dossier", dossier)):
        if value is not None:
            where.append(f"{col} = ?")
            params.append(value)
    sql = "SELECT * FROM locker_audit" + (" WHERE " + " AND ".join(where) if where else "")
    rows = store.query(sql + " ORDER BY id DESC LIMIT ?", [*params, max(1, min(limit, 5000))])
    return [audit_json(r, site.tz) for r in rows]


@router.get("/parcels")
def parcels(state: str | None = None, dossier: str | None = None, limit: Annotated[int, Field(ge=1, le=1000)] = 200,
            who: Principal = Depends(require_staff("officer")), store: Store = Depends(get_store),
            site: SiteConfig = Depends(get_site)) -> list[dict[str, Any]]:
    where, params = [], []
    if state == "active":
        where.append(f"state IN ({ACTIVE_SQL})")
    elif state:
        where.append("state = ?")
        params.append(state)
    if dossier:
        where.append("dossier = ?")
        params.append(dossier)
    sql = "SELECT * FROM locker_parcels" + (" WHERE " + " AND ".join(where) if where else "")
    return [parcel_json(p, site.tz) for p in store.query(sql + " ORDER BY id DESC LIMIT ?",
                                                         [*params, max(1, min(limit, 1000))])]


class DepositIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field would be ignored
    dossier: str = Field(..., min_length=1, max_length=64)
    size: Literal["S", "M", "L"] = "S"
    from_console: bool = False


def _parcel_or_404(store_tx: Any, parcel_id: int) -> dict[str, Any]:
    p = parcel_by_id(store_tx, parcel_id)
    if p is None:
        raise ApiError(404, "not_found", "Không tìm thấy kết quả gửi tủ", f"Parcel {parcel_id} not found")
    return p


@router.post("/{kiosk}/deposits", status_code=201)
async def deposit(kiosk: str, body: DepositIn, request: Request, who: Principal = Depends(require_staff("officer")),
            store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
            now: datetime = Depends(get_now)) -> dict[str, Any]:
    """Reserve a free compartment of fitting size; the kiosk then opens it (board, lock in the answer)."""
    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            p = rules.reserve(tx, cfg_of(request), kiosk, body.dossier.strip(), body.size, who.actor, now, body.from_console)
        return {**parcel_json(p, site.tz), "board": p["board"], "lock": p["lock"]}
    return await store.run(work)


@router.post("/parcels/{parcel_id}/retrieve")
async def retrieve(parcel_id: RowId, request: Request, who: Principal = Depends(require_staff("supervisor")),
             store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
             now: datetime = Depends(get_now)) -> dict[str, Any]:
    """Supervised opening: the result goes back to the counter; the kiosk opens the door (see /commands)."""
    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            p = uncollected.retrieve(tx, _parcel_or_404(tx, parcel_id), who.actor, now)
        return parcel_json(p, site.tz)
    return await store.run(work)


@router.post("/parcels/{parcel_id}/new-code")
async def new_code(parcel_id: RowId, request: Request, who: Principal = Depends(require_staff("supervisor")),
             store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
             now: datetime = Depends(get_now)) -> dict[str, Any]:
    """Unlock after a lockout (identity checked by staff): a new code is sent to the applicant."""
    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            p = uncollected.reset_code(tx, cfg_of(request), _parcel_or_404(tx, parcel_id), who.actor, now)
        return parcel_json(p, site.tz)
    return await store.run(work)


@router.post("/{kiosk}/compartments/{number}/enable")
async def enable(kiosk: str, number: CompartmentNo, who: Principal = Depends(require_staff("supervisor")),
           store: Store = Depends(get_store), now: datetime = Depends(get_now)) -> dict[str, Any]:
    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            cur = tx.execute("UPDATE locker_compartments SET disabled = 0, disabled_reason = NULL "
                             "WHERE kiosk = ? AND number = ?", (kiosk, number))
            if not cur.rowcount:
                raise ApiError(404, "not_found", f"Không có ngăn {number}", f"No compartment {number} at {kiosk}")
            rules.audit(tx, now, kiosk, number, "enabled", who.actor)
        return {"kiosk": kiosk, "compartment": number, "disabled": False}
    return await store.run(work)


@router.post("/sweep")
async def sweep(request: Request, who: Principal = Depends(require_staff("supervisor")), store: Store = Depends(get_store),
          now: datetime = Depends(get_now)) -> dict[str, int]:
    """Reminders and returns now (the worker runs this every minute by itself)."""
    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            return uncollected.sweep(tx, cfg_of(request), now)
    return await store.run(work)
