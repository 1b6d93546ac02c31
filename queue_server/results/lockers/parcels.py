"""A result's row in `locker_parcels`: read it, change it (a state change is announced)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from queue_server.results.lockers.schema import ACTIVE
from queue_server.store import Store, Tx

ACTIVE_SQL = ", ".join(f"'{s}'" for s in ACTIVE)


def row(tx: Tx | Store, sql: str, params: tuple = ()) -> dict[str, Any] | None:
    cur = tx.db.conn.execute(sql, params)
    found = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], found)) if found else None


def parcel_by_id(tx: Tx | Store, parcel_id: int) -> dict[str, Any] | None:
    return row(tx, "SELECT * FROM locker_parcels WHERE id = ?", (parcel_id,))


def parcel_in(tx: Tx | Store, kiosk: str, number: int) -> dict[str, Any] | None:
    return row(tx, f"SELECT * FROM locker_parcels WHERE kiosk = ? AND number = ? AND state IN ({ACTIVE_SQL})",
               (kiosk, number))


def parcel_of(tx: Tx | Store, dossier: str) -> dict[str, Any] | None:
    return row(tx, f"SELECT * FROM locker_parcels WHERE dossier = ? AND state IN ({ACTIVE_SQL})", (dossier,))


def update_parcel(tx: Tx, parcel: dict[str, Any], now: datetime, **fields: Any) -> dict[str, Any]:
    fields["updated_ts"] = now.timestamp()
    sets = ", ".join(f"{k} = ?" for k in fields)
    tx.execute(f"UPDATE locker_parcels SET {sets} WHERE id = ?", (*fields.values(), parcel["id"]))
    if "state" in fields:
        tx.emit("locker.parcel", id=parcel["id"], dossier=parcel["dossier"], kiosk=parcel["kiosk"],
                compartment=parcel["number"], state=fields["state"])
    return {**parcel, **fields}
