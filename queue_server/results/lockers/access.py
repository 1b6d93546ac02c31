"""Who may touch a locker bank, and how a bank and its parcels are shown (shared by the staff and kiosk routes)."""
from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from queue_server.auth.guards import Principal, require_device, require_staff_or_device
from queue_server.clock import iso_local
from queue_server.errors import ApiError
from queue_server.results.lockers import rules
from queue_server.results.lockers.config import LockerConfig
from queue_server.results.lockers.parcels import ACTIVE_SQL
from queue_server.notices.outbox import locker_config
from queue_server.store import Store

KIOSK = require_device("kiosk", "locker")


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


def bank_json(store: Store, cfg: LockerConfig, kiosk: str, tz: Any) -> dict[str, Any]:
    bank = rules.bank_of(cfg, kiosk)
    comps = store.query("SELECT * FROM locker_compartments WHERE kiosk = ? AND configured = 1 ORDER BY number", (kiosk,))
    active = {p["number"]: p for p in store.query(
        f"SELECT * FROM locker_parcels WHERE kiosk = ? AND state IN ({ACTIVE_SQL})", (kiosk,))}
    return {"kiosk": kiosk, "name": bank.name, "name_en": bank.name_en, "inverted_boards": list(bank.inverted_boards),
            "compartments": [{"compartment": c["number"], "board": c["board"], "lock": c["lock"], "size": c["size"],
                              "disabled": bool(c["disabled"]), "disabled_reason": c["disabled_reason"],
                              "door_open": None if c["door_open"] is None else bool(c["door_open"]),
                              "item": None if c["item"] is None else bool(c["item"]),
                              "parcel": parcel_json(active.get(c["number"]), tz)} for c in comps]}
