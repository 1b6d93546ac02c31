"""What a citizen is told about a result in a locker: ready (with a code), reminder (a new code),
new code on request, back at the counter. Through the notices outbox, the code put in at send time."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from queue_server.clock import local
from queue_server.results.dossiers import rules as dossiers
from queue_server.results.lockers.audit import alert
from queue_server.results.lockers.codes import PickupCodes, draw, hash_code
from queue_server.results.lockers.config import LockerConfig
from queue_server.results.lockers.parcels import update_parcel
from queue_server.notices import outbox as notices
from queue_server.store import Tx


def issue_code(tx: Tx, cfg: LockerConfig, parcel: dict[str, Any], now: datetime, kind: str) -> dict[str, Any]:
    """Fresh one-time code and a notice carrying it. Only its hash is stored; the clear code stays in
    memory until the notice is sent (`lockers.codes`: why, and what happens across a restart)."""
    code, salt = draw()
    expires = datetime.fromtimestamp(parcel["ready_ts"] or now.timestamp(), now.tzinfo) \
        + timedelta(days=cfg.return_after_days)
    parcel = update_parcel(tx, parcel, now, code_hash=hash_code(code, salt), code_salt=salt,
                  code_expires_ts=expires.timestamp(), failed_tries=0, locked_ts=None, last_try_ts=None,
                  code_issued_ts=now.timestamp())
    PickupCodes.of(tx.store).remember(parcel["id"], parcel["code_hash"], code)
    queue_notice(tx, cfg, parcel, kind, now, with_code=True, deadline=expires)
    return parcel


def queue_notice(tx: Tx, cfg: LockerConfig, parcel: dict[str, Any], kind: str, now: datetime, *,
                 with_code: bool = False, deadline: datetime | None = None) -> None:
    dossier = dossiers.get(tx, parcel["dossier"])
    bank = cfg.bank(parcel["kiosk"])
    where_vi = f"{bank.name if bank else parcel['kiosk']}, ngăn số {parcel['number']}"
    where_en = f"{bank.name_en if bank else parcel['kiosk']}, compartment {parcel['number']}"
    day = local(deadline).strftime("%d/%m/%Y") if deadline else ""
    if kind in ("ready", "reminder", "new_code"):
        head = "Nhắc: kết quả" if kind == "reminder" else "Kết quả"
        text = (f"{head} hồ sơ {parcel['dossier']} đã sẵn sàng tại {where_vi}. Mã nhận: {{code}}. "
                f"Hạn nhận: {day}. Quét mã QR trên giấy hẹn tại ki-ốt trả kết quả rồi nhập mã. / "
                f"Result of dossier {parcel['dossier']} is ready at {where_en}. Pickup code: {{code}}. "
                f"Collect by {day}.")
        subject = f"Kết quả hồ sơ {parcel['dossier']} / Result ready"
    else:  # returned to the counter
        text = (f"Kết quả hồ sơ {parcel['dossier']} chưa được nhận và đã chuyển về quầy trả kết quả. / "
                f"Result of dossier {parcel['dossier']} was not collected and is now at the counter.")
        subject = f"Kết quả hồ sơ {parcel['dossier']} ở quầy / Result at the counter"
    # stored with the `{code}` placeholder: the code is put in at send time (`lockers.codes`)
    ids = notices.enqueue(tx, cfg.notices, dossier, kind, subject, text, text.replace("{code}", "******"), now,
                          code_ref=parcel["id"] if with_code else None)
    if not ids:
        alert(tx, now, "notice_unreachable", parcel["kiosk"], parcel["number"], parcel=parcel)
