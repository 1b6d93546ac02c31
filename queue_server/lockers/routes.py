"""Result lockers: HTTP API, start-up sync of the banks, and the background worker.

The server decides, the result kiosk executes: it reserves, authorises and
records; the kiosk drives the board and reports what the board said
(`POST /{kiosk}/compartments/{n}/report`). Rules: `queue_server.lockers.rules`.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from queue_server.edge.bounds import MAX_COMPARTMENTS, CompartmentNo, RowId
from queue_server.dossiers import rules as dossiers
from queue_server.lockers import rules
from queue_server.lockers import uncollected
from queue_server.auth.guards import Principal, require_device, require_staff, require_staff_or_device
from queue_server.clock import iso_local
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_site, get_store
from queue_server.errors import ApiError
from queue_server.lockers.audit import alert_json, audit_json
from queue_server.lockers.config import LockerConfig
from queue_server.notices.outbox import deliverer, locker_config
from queue_server.store import Store

log = logging.getLogger("motcua.lockers")
router = APIRouter(prefix="/api/v1/lockers", tags=["lockers"])
KIOSK = require_device("kiosk", "locker")
WORKER_INTERVAL_S = 2.0
SWEEP_EVERY_S = 60.0


def cfg_of(request: Request) -> LockerConfig:
    return locker_config(request.app)


def own_bank(cfg: LockerConfig, kiosk: str, who: Principal):
    """The bank, if the caller may drive it: staff, or the device key bound to it in `[[lockers.banks]]`.
    A ticket kiosk's key (or any other device's) gets nothing, whatever citizen's code it holds."""
    bank = rules.bank_of(cfg, kiosk)
    if who.kind == "device" and not bank.bound(who.name):
        raise ApiError(403, "forbidden", f"Khóa thiết bị này không gắn với tủ {kiosk}",
                       f"This device key is not bound to the locker bank {kiosk}")
    return bank


async def bank_device(kiosk: str, request: Request, who: Principal = Depends(KIOSK)) -> Principal:
    """Route dependency: a kiosk/locker key that is bound to the bank in the path (checked before the body)."""
    own_bank(cfg_of(request), kiosk, who)
    return who


async def bank_reader(kiosk: str, request: Request,
                      who: Principal = Depends(require_staff_or_device("officer", "kiosk", "locker"))) -> Principal:
    own_bank(cfg_of(request), kiosk, who)
    return who


def parcel_json(p: dict[str, Any] | None, tz: Any) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"id": p["id"], "dossier": p["dossier"], "kiosk": p["kiosk"], "compartment": p["number"],
            "size": p["size"], "state": p["state"], "failed_tries": p["failed_tries"], "locked": bool(p["locked_ts"]),
            "code_expires_at": iso_local(p["code_expires_ts"], tz), "reserved_at": iso_local(p["reserved_ts"], tz),
            "ready_at": iso_local(p["ready_ts"], tz), "reminders": p["reminders"],
            "open_confirmed_at": iso_local(p["open_confirmed_ts"], tz),
            "collected_at": iso_local(p["collected_ts"], tz), "collected_kiosk": p["collected_kiosk"],
            "returned_at": iso_local(p["returned_ts"], tz), "end_reason": p["end_reason"]}


def _bank_json(store: Store, cfg: LockerConfig, kiosk: str, tz: Any) -> dict[str, Any]:
    bank = rules.bank_of(cfg, kiosk)
    comps = store.query("SELECT * FROM locker_compartments WHERE kiosk = ? AND configured = 1 ORDER BY number", (kiosk,))
    active = {p["number"]: p for p in store.query(
        f"SELECT * FROM locker_parcels WHERE kiosk = ? AND state IN ({rules.ACTIVE_SQL})", (kiosk,))}
    return {"kiosk": kiosk, "name": bank.name, "name_en": bank.name_en, "inverted_boards": list(bank.inverted_boards),
            "compartments": [{"compartment": c["number"], "board": c["board"], "lock": c["lock"], "size": c["size"],
                              "disabled": bool(c["disabled"]), "disabled_reason": c["disabled_reason"],
                              "door_open": None if c["door_open"] is None else bool(c["door_open"]),
                              "item": None if c["item"] is None else bool(c["item"]),
                              "parcel": parcel_json(active.get(c["number"]), tz)} for c in comps]}


# -- reading ------------------------------------------------------------------------------
@router.get("")
def banks(request: Request, who: Principal = Depends(require_staff_or_device("officer", "kiosk", "locker", "display")),
          store: Store = Depends(get_store), site: SiteConfig = Depends(get_site)) -> list[dict[str, Any]]:
    cfg = cfg_of(request)
    return [_bank_json(store, cfg, k, site.tz) for k, b in cfg.banks.items() if who.kind == "staff" or b.bound(who.name)]


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
            if not cur.rowcount and not rules.row(tx, "SELECT id FROM locker_alerts WHERE id = ?", (alert_id,)):
                raise ApiError(404, "not_found", "Không tìm thấy cảnh báo", "Alert not found")
            found = rules.row(tx, "SELECT * FROM locker_alerts WHERE id = ?", (alert_id,))
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
        where.append(f"state IN ({rules.ACTIVE_SQL})")
    elif state:
        where.append("state = ?")
        params.append(state)
    if dossier:
        where.append("dossier = ?")
        params.append(dossier)
    sql = "SELECT * FROM locker_parcels" + (" WHERE " + " AND ".join(where) if where else "")
    return [parcel_json(p, site.tz) for p in store.query(sql + " ORDER BY id DESC LIMIT ?",
                                                         [*params, max(1, min(limit, 1000))])]


# -- staff actions --------------------------------------------------------------------------
class DepositIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field would be ignored
    dossier: str = Field(..., min_length=1, max_length=64)
    size: Literal["S", "M", "L"] = "S"
    from_console: bool = False


def _parcel_or_404(store_tx: Any, parcel_id: int) -> dict[str, Any]:
    p = rules.parcel_by_id(store_tx, parcel_id)
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


# -- the result kiosk -------------------------------------------------------------------------
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
    return _bank_json(store, cfg_of(request), kiosk, site.tz)


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
        return rules.lookup(store, cfg_of(request), kiosk, dossiers.require_code(body.dossier))
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
            parcel, error = rules.verify(tx, cfg, kiosk, body.dossier.strip(), body.code.strip(), who.actor, now)
            comp = parcel and rules.row(tx, "SELECT board, lock FROM locker_compartments WHERE kiosk = ? AND number = ?",
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
            out, error = rules.request_new_code(tx, cfg_of(request), kiosk, body.dossier.strip(), who.actor, now)
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


# -- background: notices out, reminders and returns ---------------------------------------------
class Worker:
    def __init__(self, app: Any):
        self.app, self._stop = app, threading.Event()
        self._thread: threading.Thread | None = None
        self._last_sweep = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="motcua-lockers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    def _run(self) -> None:
        import time
        while not self._stop.is_set():
            try:
                now = self.app.state.settings.clock()
                if time.monotonic() - self._last_sweep >= SWEEP_EVERY_S:
                    self._last_sweep = time.monotonic()
                    with self.app.state.store.write() as tx:
                        uncollected.sweep(tx, locker_config(self.app), now)
                deliverer(self.app).run_due(now)
                deliverer(self.app).purge_files(now)
            except Exception:  # keep going: the next round retries
                log.exception("lockers worker round failed")
            self._stop.wait(WORKER_INTERVAL_S)


def setup(app: Any) -> Worker:
    """The banks as configured, the per-kiosk brakes, and the worker (started by the app's lifespan)."""
    rules.sync_banks(app.state.store, locker_config(app))
    app.state.locker_limiters, app.state.locker_limit_lock = {}, threading.Lock()
    return Worker(app)
