"""Supervisor dashboard data and device health reported by kiosks.

    POST /api/v1/devices/health   device key (kiosk, locker, display, rating)
         {"components": {"printer": {"status": "warning", "detail": "paper low"}, ...}}
    GET  /api/v1/devices/health   supervisor
    GET  /api/v1/dashboard        supervisor: counters, services, devices, alerts, ratings

Counters and queues are read from the core tables (read-only); the health
table is this module's own (`Migrations("dashboard")`).
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from queue_server.hall.appointments import rules as appointments
from queue_server.auth.guards import Principal, require_device, require_staff
from queue_server.clock import iso_local, service_day
from queue_server.deps import get_now, get_site, get_store
from queue_server.hall.counters.presence import counter_rows
from queue_server.results.integrations import routes as integrations
from queue_server.results.postal import rules as postal
from queue_server.hall.ratings.routes import summarize
from queue_server.shipping.shipper import shipping_lag
from queue_server.hall.tickets.estimates import open_counters
from queue_server.hall.tickets.view import counter_state

router = APIRouter(prefix="/api/v1", tags=["dashboard"])

STALE_SECONDS = 180        # a kiosk reports every 30-60 s; 3 min of silence is an alert
PAUSE_ALERT_MINUTES = 30
SHIPPING_LAG_ALERT_SECONDS = 900   # the site keeps working; the province's figures are 15 min old
SEVERITY = {"ok": 0, "warning": 1, "error": 2}
COMPONENTS = {"printer": ("Máy in", "Printer"), "scanner": ("Đầu đọc mã", "Scanner"),
              "locker": ("Tủ khóa", "Locker"), "board": ("Bo mạch khóa", "Lock board")}
#: what a device's reason code means to the supervisor who has to act on it
DETAILS = {"paper_near_end": ("sắp hết giấy, xin thay cuộn mới", "paper near end, load a new roll"),
           "paper_out": ("hết giấy", "out of paper"), "cover_open": ("nắp đang mở", "cover open"),
           "offline": ("không phản hồi", "not answering")}


class Component(BaseModel):
    status: Literal["ok", "warning", "error"]
    detail: str | None = Field(default=None, max_length=200)


class HealthIn(BaseModel):
    components: dict[str, Component] = Field(..., max_length=20)


@router.post("/devices/health")
async def report_health(
    body: HealthIn, store=Depends(get_store), now: datetime = Depends(get_now),
    who: Principal = Depends(require_device("kiosk", "locker", "display", "rating")),
):
    def work() -> Any:  # runs in the store's group commit, on the event loop
        worst = max((c.status for c in body.components.values()), key=SEVERITY.get, default="ok")
        row = {
            "device": who.name, "role": who.role, "status": worst,
            "components": json.dumps({k: v.model_dump() for k, v in body.components.items()},
                                     ensure_ascii=False),
            "reported_ts": now.timestamp(),
        }
        with store.write() as tx:
            previous = tx.db.execute(
                "SELECT status FROM device_health WHERE device = ?", [who.name]).fetchone()
            tx.db["device_health"].upsert(row, pk="device")
            if previous is None or previous[0] != worst:
                tx.emit("device.health", device=who.name, role=who.role, status=worst)
        return _device(row, now)
    return await store.run(work)


def _device(row: dict, now: datetime) -> dict:
    age = now.timestamp() - row["reported_ts"]
    return {
        "device": row["device"], "role": row["role"], "status": row["status"],
        "components": json.loads(row["components"]),
        "reported_at": iso_local(row["reported_ts"]), "age_seconds": round(age),
        "stale": age > STALE_SECONDS,
    }


def devices(store, now: datetime) -> list[dict]:
    rows = store.query("SELECT * FROM device_health ORDER BY role, device")
    return [_device(r, now) for r in rows]


@router.get("/devices/health")
def list_health(store=Depends(get_store), now: datetime = Depends(get_now),
                who: Principal = Depends(require_staff("supervisor"))):
    return devices(store, now)


def counters(store, site, now: datetime, day: str) -> list[dict]:
    rows = counter_rows(store.db.conn, site)
    current = {r["counter"]: r for r in store.query(
        "SELECT * FROM tickets WHERE state IN ('called', 'serving') AND counter IS NOT NULL "
        "ORDER BY called_ts")}
    last_done = {r["counter"]: r["ts"] for r in store.query(
        "SELECT counter, MAX(COALESCE(finished_ts, called_ts)) AS ts FROM tickets "
        "WHERE day = ? AND counter IS NOT NULL GROUP BY counter", [day])}
    served = {r["counter"]: r["n"] for r in store.query(
        "SELECT counter, COUNT(*) AS n FROM tickets WHERE day = ? AND state = 'done' "
        "GROUP BY counter", [day])}
    out = []
    for code, cfg in site.counters.items():
        row = rows.get(code, {"code": code, "state": "open", "changed_ts": None, "officer": None})
        state = counter_state(row)   # closed while nobody is signed in
        ticket = current.get(code)
        activity = state if state in ("paused", "closed") and not ticket else ("serving" if ticket else "idle")
        since = max(filter(None, [last_done.get(code), row.get("changed_ts")]), default=None)
        out.append({
            "code": code, "name": cfg.name, "name_en": cfg.name_en, "priority": cfg.priority,
            "services": list(cfg.services), "state": state, "activity": activity,
            "officer": row["officer"]["name"] if row.get("officer") else None,
            "current": None if ticket is None else {
                "id": ticket["id"], "number": ticket["number"], "state": ticket["state"],
                "priority": ticket["priority"], "since": iso_local(ticket["called_ts"])},
            "idle_minutes": None if ticket or since is None else round((now.timestamp() - since) / 60, 1),
            "paused_minutes": round((now.timestamp() - row["changed_ts"]) / 60, 1)
            if state == "paused" and row.get("changed_ts") else None,
            "served_today": served.get(code, 0),
        })
    return out


def services(store, site, now: datetime, day: str) -> list[dict]:
    stats = {r["service"]: r for r in store.query(
        "SELECT service, COUNT(*) AS waiting, MIN(arrived_ts) AS oldest, "
        "SUM(priority IS NOT NULL) AS priority_waiting FROM tickets "
        "WHERE state = 'waiting' AND day = ? GROUP BY service", [day])}
    open_by_service: dict[str, int] = {}
    opened = open_counters(store.db.conn)   # signed in and not paused
    for code, cfg in site.counters.items():
        if code in opened:
            for s in cfg.services:
                open_by_service[s] = open_by_service.get(s, 0) + 1
    out = []
    for code, cfg in site.services.items():
        st = stats.get(code) or {}
        oldest = st.get("oldest")
        out.append({
            "code": code, "letter": cfg.letter, "name": cfg.name, "name_en": cfg.name_en,
            "waiting": st.get("waiting", 0), "priority_waiting": st.get("priority_waiting") or 0,
            "longest_wait_min": round((now.timestamp() - oldest) / 60, 1) if oldest else 0.0,
            "max_wait_min": cfg.max_wait_minutes, "open_counters": open_by_service.get(code, 0),
        })
    return out


def alerts(counter_rows: list[dict], service_rows: list[dict], device_rows: list[dict]) -> list[dict]:
    out: list[dict] = []

    def add(level: str, code: str, vi: str, en: str) -> None:
        out.append({"level": level, "code": code, "message": vi, "message_en": en})

    for s in service_rows:
        if s["waiting"] and s["longest_wait_min"] >= s["max_wait_min"]:
            add("error", "long_wait", f"{s['name']}: có người đã chờ {s['longest_wait_min']:.0f} phút",
                f"{s['name_en']}: someone has waited {s['longest_wait_min']:.0f} min")
        if s["waiting"] and not s["open_counters"]:
            add("error", "no_counter", f"{s['name']}: {s['waiting']} người chờ nhưng không có quầy mở",
                f"{s['name_en']}: {s['waiting']} waiting but no counter open")
    for c in counter_rows:
        if c["paused_minutes"] and c["paused_minutes"] >= PAUSE_ALERT_MINUTES:
            add("warning", "long_pause", f"{c['name']} tạm dừng {c['paused_minutes']:.0f} phút",
                f"{c['name_en']} paused for {c['paused_minutes']:.0f} min")
    for d in device_rows:
        if d["stale"]:
            add("error", "device_silent", f"Thiết bị {d['device']} mất liên lạc {d['age_seconds'] // 60} phút",
                f"Device {d['device']} silent for {d['age_seconds'] // 60} min")
        for name, comp in d["components"].items():
            if comp["status"] != "ok":
                raw = str(comp.get("detail") or "")
                detail_vi, detail_en = DETAILS.get(raw, (raw, raw))
                vi, en = component_label(name)
                add(comp["status"], "device_fault", f"{d['device']} – {vi}" + (f": {detail_vi}" if raw else ""),
                    f"{d['device']} – {en}" + (f": {detail_en}" if raw else ""))
    out.sort(key=lambda a: -SEVERITY[a["level"]])
    return out


def component_label(name: str) -> tuple[str, str]:
    """(vi, en) name of a reported component; numbered lock boards ("board1") keep their number."""
    if name in COMPONENTS:
        return COMPONENTS[name]
    match = re.fullmatch(r"(board|locker)[_-]?(\d+)", name)
    if match:
        vi, en = COMPONENTS[match.group(1)]
        return f"{vi} {match.group(2)}", f"{en} {match.group(2)}"
    return name, name


def shipping(request: Request, store, now: datetime) -> dict | None:
    """Shipping to the province (None when the site ships nowhere): rows not yet there, lag."""
    shipper = request.app.state.shipper
    if shipper is None:
        return None
    return {**shipping_lag(store, now.timestamp()), "province": shipper.link.url,
            "state": shipper.status["state"], "error": shipper.status["error"]}


@router.get("/dashboard")
def dashboard(request: Request, store=Depends(get_store), site=Depends(get_site), now: datetime = Depends(get_now),
              who: Principal = Depends(require_staff("supervisor"))):
    day = service_day(now)
    counter_rows = counters(store, site, now, day)
    service_rows = services(store, site, now, day)
    device_rows = devices(store, now)
    ship = shipping(request, store, now)
    sync = integrations.health(store, now, site.tz)
    alert_rows = alerts(counter_rows, service_rows, device_rows) + shipping_alerts(ship)
    alert_rows += [{"level": level, "code": code, "message": vi, "message_en": en}
                   for level, code, vi, en in integrations.alerts(sync, now)]
    alert_rows.sort(key=lambda a: -SEVERITY[a["level"]])
    return {
        "now": iso_local(now.timestamp()), "day": day,
        "counters": counter_rows, "services": service_rows, "devices": device_rows,
        "alerts": alert_rows, "ratings": summarize(store, day),
        "shipping": ship, "integrations": sync,
        "appointments": appointments.day_summary(store.db.conn, site, now),
        "postal": postal.waiting(store),   # results by post not yet handed over: ready / still processing
    }


def shipping_alerts(ship: dict | None) -> list[dict]:
    if ship is None:
        return []
    if ship["state"] == "refused":
        return [{"level": "error", "code": "province_refused",
                 "message": f"Tỉnh từ chối khóa của điểm: {ship['error']}",
                 "message_en": f"The province refuses this site's key: {ship['error']}"}]
    if ship["lag_seconds"] >= SHIPPING_LAG_ALERT_SECONDS:
        minutes = ship["lag_seconds"] // 60
        return [{"level": "warning", "code": "shipping_lag",
                 "message": f"{ship['pending']} bản ghi chưa gửi được lên tỉnh (chậm {minutes} phút)",
                 "message_en": f"{ship['pending']} rows not yet at the province ({minutes} min behind)"}]
    return []
