"""Result lockers, the kiosk side: the server decides, the result kiosk executes. It reads its bank and
the doors the server wants opened, looks up and verifies pickups, and reports what the board said
(`POST /{kiosk}/compartments/{n}/report`). Only the device key bound to the bank is obeyed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from queue_server.auth.guards import Principal
from queue_server.clock import iso_local
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_site, get_store
from queue_server.results.dossiers import rules as dossiers
from queue_server.edge.bounds import MAX_COMPARTMENTS, CompartmentNo, RowId
from queue_server.errors import ApiError
from queue_server.results.lockers import pickup, rules
from queue_server.results.lockers.access import bank_device, bank_json, bank_reader, cfg_of, parcel_json
from queue_server.results.lockers.parcels import row
from queue_server.store import Store

router = APIRouter(prefix="/api/v1/lockers", tags=["lockers"])


class LookupIn(BaseModel):
    dossier: str = Field(..., min_length=1, max_length=64)


class VerifyIn(LookupIn):
    code: str = Field(..., max_length=12)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field would be ignored
    event: Literal["unlock_sent", "open_confirmed", "open_failed", "closed", "left_open", "board_lost", "sensor"]
    door_open: bool | None = None
    item: bool | None = None
    parcel_id: RowId | None = None
    reason: str | None = Field(None, max_length=200)
    latency_s: float | None = Field(None, ge=0, le=3600)


class CompartmentState(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field would be ignored
    compartment: CompartmentNo
    door_open: bool | None = None
    item: bool | None = None


class SnapshotIn(BaseModel):
    # A bank has at most a few hundred doors: a longer list is a fault, not a snapshot.
    compartments: list[CompartmentState] = Field(..., max_length=MAX_COMPARTMENTS,
                                                 description="[{compartment, door_open, item}] read from the board")


@router.get("/{kiosk}")
def bank(kiosk: str, request: Request, who: Principal = Depends(bank_reader),
         store: Store = Depends(get_store), site: SiteConfig = Depends(get_site)) -> dict[str, Any]:
    """The bank of one kiosk, with its compartment map (the kiosk builds its LockerMap from it)."""
    return bank_json(store, cfg_of(request), kiosk, site.tz)


@router.get("/{kiosk}/commands")
def commands(kiosk: str, request: Request, who: Principal = Depends(bank_device), store: Store = Depends(get_store),
             site: SiteConfig = Depends(get_site)) -> list[dict[str, Any]]:
    """Doors the server wants this kiosk to open: console deposits and supervised retrievals."""
    rows = store.query("SELECT p.*, c.board, c.lock FROM locker_parcels p JOIN locker_compartments c ON "
                       "c.kiosk = p.kiosk AND c.number = p.number WHERE p.kiosk = ? AND "
                       "((p.state = 'reserved' AND p.from_console = 1) OR p.state = 'retrieving') ORDER BY p.id",
                       (kiosk,))
    return [{**parcel_json(r, site.tz), "board": r["board"], "lock": r["lock"],
             "purpose": "deposit" if r["state"] == "reserved" else "retrieve"} for r in rows]


@router.post("/{kiosk}/pickup/lookup")
async def pickup_lookup(kiosk: str, body: LookupIn, request: Request, who: Principal = Depends(bank_device),
                  store: Store = Depends(get_store)) -> dict[str, Any]:
    def work() -> Any:  # runs in the store's group commit, on the event loop
        return pickup.lookup(store, cfg_of(request), kiosk, dossiers.require_code(body.dossier))
    return await store.run(work)


def _source(request: Request, who: Principal) -> str:
    return f"{who.actor}@{request.client.host if request.client else '?'}"


def _source_wait(app: Any, source: str, per_minute: int, now: datetime) -> float:
    """Seconds this source must wait: at most `per_minute` FAILED attempts (wrong code, unknown or
    unavailable dossier) per source in any 60 s — a brake on guessing across dossiers that a citizen
    typing a right code, or another kiosk, never feels."""
    ts = now.timestamp()
    with app.state.locker_limit_lock:
        recent = [t for t in app.state.locker_limiters.get(source, []) if 0 <= ts - t < 60.0]
        app.state.locker_limiters[source] = recent
        return 0.0 if len(recent) < per_minute else 60.0 - (ts - recent[0])


def _source_failed(app: Any, source: str, now: datetime) -> None:
    with app.state.locker_limit_lock:
        if len(app.state.locker_limiters) > 10000:
            app.state.locker_limiters.clear()
        app.state.locker_limiters.setdefault(source, []).append(now.timestamp())


def _refused(error: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"error": error["error"]}, status_code=error["status"], headers=error.get("headers"))


@router.post("/{kiosk}/pickup/verify")
async def pickup_verify(kiosk: str, body: VerifyIn, request: Request, who: Principal = Depends(bank_device),
                  store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                  now: datetime = Depends(get_now)) -> Any:
    cfg = cfg_of(request)
    source = _source(request, who)
    if cfg.kiosk_tries_per_minute:
        wait = _source_wait(request.app, source, cfg.kiosk_tries_per_minute, now)
        if wait > 0:
            raise ApiError(429, "rate_limited", "Quá nhiều lần thử, vui lòng chờ một phút",
                           "Too many attempts at this kiosk, please wait a minute",
                           {"Retry-After": str(max(1, int(wait + 0.999)))})
    def check() -> tuple[Any, Any, Any]:   # in the store's group commit; the brakes above stay outside
        with store.write() as tx:  # a wrong try is committed: the counter must survive the error answer
            parcel, error = pickup.verify(tx, cfg, kiosk, body.dossier.strip(), body.code.strip(), who.actor, now)
            comp = parcel and row(tx, "SELECT board, lock FROM locker_compartments WHERE kiosk = ? AND number = ?",
                                        (kiosk, parcel["number"]))
        return parcel, error, comp
    parcel, error, comp = await store.run(check)
    if error:
        if error["status"] != 429:  # a slowed-down dossier's refusal was not a guess
            _source_failed(request.app, source, now)
        return _refused(error)
    bank = cfg.bank(kiosk)
    return {**parcel_json(parcel, site.tz), "board": comp["board"], "lock": comp["lock"],
            "bank_name": bank.name, "bank_name_en": bank.name_en}


@router.post("/{kiosk}/pickup/new-code")
async def pickup_new_code(kiosk: str, body: LookupIn, request: Request, who: Principal = Depends(bank_device),
                    store: Store = Depends(get_store), now: datetime = Depends(get_now)) -> Any:
    """The citizen at the kiosk asks for a new pickup code: it goes to the phone / e-mail on file
    (never shown here), at most once per `[lockers] new_code_after_min`. No staff needed."""
    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            out, error = pickup.request_new_code(tx, cfg_of(request), kiosk, body.dossier.strip(), who.actor, now)
        return _refused(error) if error else out
    return await store.run(work)


@router.post("/{kiosk}/compartments/{number}/report")
async def report(kiosk: str, number: CompartmentNo, body: ReportIn, request: Request, who: Principal = Depends(bank_device),
           store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
           now: datetime = Depends(get_now)) -> dict[str, Any]:
    """What the board said: open confirmed / failed, closed (with the item sensor), left open, a change.
    Only the bank's own key may report; a door event changes a parcel only if it names that parcel."""
    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            out = rules.report(tx, cfg_of(request), kiosk, number, body.event, who.actor, now, door_open=body.door_open,
                               item=body.item, parcel_id=body.parcel_id, reason=body.reason, latency_s=body.latency_s)
            dossier = out["parcel"] and rules.dossiers.get(tx, out["parcel"]["dossier"])
        result = {"result": out["result"], "parcel": parcel_json(out["parcel"], site.tz)}
        if out["result"] == "collected" and dossier:
            result["receipt"] = {"dossier": dossier["code"], "procedure": dossier["procedure"],
                                 "applicant": dossier["applicant_masked"], "kiosk": kiosk,
                                 "bank_name": cfg_of(request).bank(kiosk).name, "compartment": number,
                                 "collected_at": iso_local(out["parcel"]["collected_ts"], site.tz)}
        return result
    return await store.run(work)


@router.post("/{kiosk}/reconcile")
async def reconcile(kiosk: str, body: SnapshotIn, request: Request, who: Principal = Depends(bank_device),
              store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
              now: datetime = Depends(get_now)) -> dict[str, Any]:
    """The board's real state (start-up, periodic): finishes interrupted flows and raises alerts."""
    def work() -> Any:  # runs in the store's group commit, on the event loop
        cfg = cfg_of(request)
        results = {}
        with store.write() as tx:
            for c in body.compartments:
                out = rules.report(tx, cfg, kiosk, c.compartment, "sensor", who.actor, now,
                                   door_open=c.door_open, item=c.item)
                if out["result"] != "recorded":
                    results[str(c.compartment)] = out["result"]
        return {"kiosk": kiosk, "changes": results}
    return await store.run(work)
