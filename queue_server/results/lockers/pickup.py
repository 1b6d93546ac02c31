"""Pickup at the result kiosk: what the kiosk may say about a dossier, the code check (wrong codes
slow a dossier down, never lock it) and the citizen's own way to a new code."""
from __future__ import annotations

import hmac
import math
import secrets
from datetime import datetime
from typing import Any

from queue_server.results.dossiers import rules as dossiers
from queue_server.results.lockers.audit import alert, audit
from queue_server.results.lockers.codes import hash_code
from queue_server.results.lockers.config import LockerConfig
from queue_server.results.lockers.messages import issue_code
from queue_server.results.lockers.parcels import parcel_of, update_parcel
from queue_server.notices import outbox as notices
from queue_server.store import Store, Tx


def lookup(tx: Tx | Store, cfg: LockerConfig, kiosk: str, code: str) -> dict[str, Any]:
    parcel = parcel_of(tx, code)
    if parcel is None:
        dossier = dossiers.get(tx, code)
        state = "none" if dossier is None else ("collected" if dossier["status"] == dossiers.RETURNED else "none")
        return {"dossier": code, "state": state}
    bank = cfg.bank(parcel["kiosk"])
    state = {"ready": "ready", "return_due": "at_counter", "retrieving": "at_counter",
             "retrieve_open": "at_counter"}.get(parcel["state"], "busy")
    if state == "ready" and parcel["kiosk"] != kiosk:
        state = "elsewhere"
    return {"dossier": code, "state": state, "kiosk": parcel["kiosk"],
            "bank_name": bank.name if bank else parcel["kiosk"], "bank_name_en": bank.name_en if bank else ""}


def verify(tx: Tx, cfg: LockerConfig, kiosk: str, code: str, otp: str, actor: str,
           now: datetime) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(parcel authorised to open, None) or (None, error body). Wrong tries are COMMITTED, not rolled back.

    Wrong codes never lock a dossier (anyone knowing a dossier code could then block its pickup):
    after `max_failed_tries` each further try waits `cfg.try_wait_s` after the last wrong one
    (429 + Retry-After, the code not even checked), and the citizen can have a new code sent
    to the contact on file (`request_new_code`)."""
    info = lookup(tx, cfg, kiosk, code)
    state = info["state"]
    if state in REFUSALS:
        return None, _refusal(state, info)
    parcel = parcel_of(tx, code)
    if parcel["code_expires_ts"] is not None and now.timestamp() > parcel["code_expires_ts"]:
        return None, _err(410, "code_expired", "Mã nhận đã hết hạn", "The pickup code has expired")
    wait = cfg.try_wait_s(parcel["failed_tries"])
    if wait and now.timestamp() < (parcel["last_try_ts"] or 0) + wait:
        return None, _slow_down(cfg, parcel, (parcel["last_try_ts"] or 0) + wait - now.timestamp())
    good = bool(parcel["code_hash"]) and otp.isdigit() and len(otp) == 6 and hmac.compare_digest(
        hash_code(otp, parcel["code_salt"]), parcel["code_hash"])
    if not good:
        tries = parcel["failed_tries"] + 1
        audit(tx, now, kiosk, parcel["number"], "wrong_code", actor, purpose="pickup", parcel=parcel, tries=tries)
        parcel = update_parcel(tx, parcel, now, failed_tries=tries, last_try_ts=now.timestamp())
        if tries == cfg.max_failed_tries:
            alert(tx, now, "pickup_slowed", parcel["kiosk"], parcel["number"], parcel=parcel, tries=tries)
        left = max(cfg.max_failed_tries - tries, 0)
        body = _err(403, "wrong_code", f"Mã không đúng, còn {left} lần thử", f"Wrong code, {left} tries left",
                    tries_left=left)
        if not left:
            body["error"]["retry_after_s"] = int(math.ceil(cfg.try_wait_s(tries)))
            body["headers"] = {"Retry-After": str(body["error"]["retry_after_s"])}
        return None, body
    session = secrets.token_urlsafe(12)
    parcel = update_parcel(tx, parcel, now, state="opening", session=session, failed_tries=0, last_try_ts=None,
                  open_requested_ts=now.timestamp())
    audit(tx, now, kiosk, parcel["number"], "pickup_authorised", actor, purpose="pickup", parcel=parcel)
    return parcel, None


REFUSALS = {
    "none": (404, "no_result", "Chưa có kết quả trong tủ cho hồ sơ này", "No result in the lockers for this dossier"),
    "collected": (409, "already_collected", "Kết quả đã được nhận", "The result was already collected"),
    "at_counter": (409, "at_counter", "Kết quả đã chuyển về quầy, mời đến quầy trả kết quả",
                   "The result is at the counter now; please go to the result counter"),
    "busy": (409, "busy", "Ngăn tủ đang được sử dụng, vui lòng chờ", "The compartment is in use, please wait"),
    "elsewhere": (409, "wrong_kiosk", "Kết quả ở {bank_name}", "The result is at {bank_name_en}"),
}


def _refusal(state: str, info: dict[str, Any]) -> dict[str, Any]:
    status, code, vi, en = REFUSALS[state]
    return _err(status, code, vi.format(bank_name=info.get("bank_name")), en.format(bank_name_en=info.get("bank_name_en")))


def _slow_down(cfg: LockerConfig, parcel: dict[str, Any], wait_s: float) -> dict[str, Any]:
    wait = int(math.ceil(wait_s))
    minutes = max(1, int(math.ceil(wait / 60)))
    body = _err(429, "rate_limited", f"Đã nhập sai mã nhiều lần: vui lòng thử lại sau {minutes} phút, "
                f"hoặc yêu cầu gửi mã mới về điện thoại đã đăng ký",
                f"Too many wrong codes: try again in {minutes} min, or ask for a new code to be sent to "
                f"the phone on file", retry_after_s=wait)
    body["headers"] = {"Retry-After": str(wait)}
    return body


def request_new_code(tx: Tx, cfg: LockerConfig, kiosk: str, code: str, actor: str,
                     now: datetime) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The citizen's own way back (no staff): a new code to the contact ON FILE, never to the asker,
    at most once per `new_code_after_min`. The old code stops working; wrong tries start over.
    Returns ({"dossier", "sent_to": [masked]}, None) or (None, error body)."""
    info = lookup(tx, cfg, kiosk, code)
    if info["state"] in REFUSALS:
        return None, _refusal(info["state"], info)
    parcel = parcel_of(tx, code)
    issued = parcel["code_issued_ts"] or parcel["ready_ts"] or 0
    wait = issued + cfg.new_code_after_min * 60 - now.timestamp()
    if wait > 0:
        minutes = max(1, int(math.ceil(wait / 60)))
        body = _err(429, "rate_limited", f"Mã vừa được gửi; có thể yêu cầu mã mới sau {minutes} phút",
                    f"A code was sent recently; a new one can be requested in {minutes} min",
                    retry_after_s=int(math.ceil(wait)))
        body["headers"] = {"Retry-After": str(int(math.ceil(wait)))}
        return None, body
    dossier = dossiers.get(tx, code)
    sent_to = notices.reachable(cfg.notices, dossier)
    if not sent_to:
        return None, _err(409, "no_contact", "Hồ sơ không có số điện thoại hay e-mail để gửi mã; mời đến quầy",
                          "No phone or e-mail on file to send a code to; please go to the counter")
    audit(tx, now, kiosk, parcel["number"], "new_code_requested", actor, purpose="pickup", parcel=parcel)
    issue_code(tx, cfg, parcel, now, "new_code")
    return {"dossier": code, "sent_to": sent_to}, None


def _err(status: int, code: str, vi: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"status": status, "error": {"code": code, "message": f"{vi} / {en}", **extra}}
