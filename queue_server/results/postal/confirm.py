"""A citizen's own postal request (result kiosk, phone page): confirmed by a one-time code sent to
the contact ALREADY ON FILE for the dossier, never to the asker. Anyone can learn a dossier code
(it is sequential and printed on the receipt); only its applicant receives the code, so nobody
can send someone else's result to their own address.

    start(...)   → a pending confirmation + a notice carrying the code   (or an error body)
    confirm(...) → the postal request recorded (postal.rules.request)   (or an error body)

Brakes, per dossier (a new request never resets them): one code per RESEND_AFTER_S, at most
CODES_PER_DAY codes a day (each is an SMS to the applicant), a code lives CODE_TTL_S, and after
FREE_TRIES wrong codes each further try waits BACKOFF_S, doubling, up to BACKOFF_MAX_S (never a
lock-out). Wrong tries are committed: functions return (result, None) or (None, error body) and
the caller raises only after the transaction ends.
"""
from __future__ import annotations

import hmac
import logging
import math
import secrets
from datetime import datetime
from typing import Any

from queue_server.results.dossiers import rules as dossiers
from queue_server.results.lockers.codes import draw, hash_code
from queue_server.results.lockers.config import NoticeConfig
from queue_server.notices import outbox as notices
from queue_server.results.postal import messages, rules
from queue_server.results.postal.codes import ConfirmCodes
from queue_server.store import Store, Tx

log = logging.getLogger("motcua.postal")
CODE_TTL_S = 600.0
RESEND_AFTER_S = 120.0
CODES_PER_DAY = 5
FREE_TRIES = 5
BACKOFF_S = 60.0
BACKOFF_MAX_S = 3600.0
DAY_S = 86400.0


def _err(status: int, code: str, vi: str, en: str, **extra: Any) -> dict[str, Any]:
    body = {"status": status, "error": {"code": code, "message": f"{vi} / {en}", **extra}}
    if "retry_after_s" in extra:
        body["headers"] = {"Retry-After": str(extra["retry_after_s"])}
    return body


def try_wait_s(failed_tries: int) -> float:
    """How long after the last wrong code the next try must wait (0: not slowed down yet)."""
    if failed_tries < FREE_TRIES:
        return 0.0
    return min(BACKOFF_S * 2 ** min(failed_tries - FREE_TRIES, 30), BACKOFF_MAX_S)


def _recent(tx: Tx, code: str, now: datetime) -> list[dict[str, Any]]:
    cur = tx.execute("SELECT * FROM postal_confirmations WHERE code = ? AND issued_ts > ? ORDER BY id",
                     (code, now.timestamp() - DAY_S))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _wrong_tries(rows: list[dict[str, Any]]) -> tuple[int, float]:
    """Wrong codes for this dossier in the last day, and when the last one came."""
    return sum(r["failed_tries"] for r in rows), max([r["last_try_ts"] or 0 for r in rows] or [0])


def _erase(tx: Tx, row_id: int, state: str, now: datetime) -> None:
    tx.execute("UPDATE postal_confirmations SET state = ?, done_ts = ?, recipient = NULL, address = NULL, "
               "phone = NULL WHERE id = ?", (state, now.timestamp(), row_id))
    ConfirmCodes.of(tx.store).forget(row_id)


def start(tx: Tx, cfg: NoticeConfig, code: str, recipient: str, address: str, phone: str | None, source: str,
          now: datetime) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Check the request could be recorded, then send a code to the contact on file.
    Returns ({"dossier", "confirm", "sent_to", "expires_in_s", "recipient", "address"}, None)."""
    rules.check_can_request(tx, code)   # RuleError (not found, closed, in a locker, handed): nothing to commit
    dossier = dossiers.get(tx, code)
    sent_to = notices.reachable(cfg, dossier)
    if not sent_to:
        return None, _err(409, "no_contact", "Hồ sơ không có số điện thoại hay e-mail để gửi mã xác nhận. "
                          "Mời ông/bà đến quầy trả kết quả, cán bộ sẽ đăng ký gửi qua bưu điện",
                          "There is no phone or e-mail on file to send a confirmation code to. Please go to the "
                          "result counter: an officer will arrange the post")
    rows = _recent(tx, code, now)
    if len(rows) >= CODES_PER_DAY:
        wait = int(math.ceil(rows[0]["issued_ts"] + DAY_S - now.timestamp()))
        return None, _err(429, "rate_limited", "Đã gửi quá nhiều mã cho hồ sơ này hôm nay. Mời đến quầy trả kết quả",
                          "Too many codes were sent for this dossier today. Please go to the result counter",
                          retry_after_s=wait)
    if rows and now.timestamp() < rows[-1]["issued_ts"] + RESEND_AFTER_S:
        wait = int(math.ceil(rows[-1]["issued_ts"] + RESEND_AFTER_S - now.timestamp()))
        return None, _err(429, "rate_limited", f"Mã vừa được gửi; có thể yêu cầu lại sau {wait} giây",
                          f"A code was sent just now; you can ask again in {wait} s", retry_after_s=wait)
    for old in rows:
        if old["state"] == "pending":   # one request waits per dossier: the newest
            _erase(tx, old["id"], "replaced", now)
    otp, salt = draw()
    handle = secrets.token_urlsafe(18)
    cur = tx.execute(
        "INSERT INTO postal_confirmations (code, handle, source, recipient, address, phone, recipient_masked, "
        "address_masked, code_hash, code_salt, issued_ts, expires_ts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (code, handle, source, recipient, address, phone, dossiers.mask_name(recipient), rules.mask_address(address),
         hash_code(otp, salt), salt, now.timestamp(), now.timestamp() + CODE_TTL_S))
    row_id = cur.lastrowid
    ConfirmCodes.of(tx.store).remember(row_id, hash_code(otp, salt), otp)
    messages.send_code(tx, cfg, dossier, rules.mask_address(address), -row_id, CODE_TTL_S, now)
    dossiers.note(tx, code, "postal_code_sent", now, source)
    log.info("postal request for %s from %s: code sent to %s", code, source, ", ".join(sent_to))
    return {"dossier": code, "confirm": handle, "sent_to": sent_to, "expires_in_s": int(CODE_TTL_S),
            "recipient": dossiers.mask_name(recipient), "address": rules.mask_address(address)}, None


def confirm(tx: Tx, cfg: NoticeConfig, code: str, handle: str, otp: str, source: str,
            now: datetime) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The code typed back: the request is recorded as if at the counter (postal.rules.request)."""
    cur = tx.execute("SELECT * FROM postal_confirmations WHERE handle = ?", (handle,))
    found = cur.fetchone()
    row = dict(zip([d[0] for d in cur.description], found)) if found else None
    if row is None or row["code"] != code or row["source"] != source:
        return None, _err(404, "not_found", "Không tìm thấy yêu cầu này. Mời gửi lại yêu cầu",
                          "No such request. Please start again")
    if row["state"] != "pending":
        return None, _err(409, "invalid_state", "Yêu cầu này đã được xác nhận hoặc đã thay bằng yêu cầu mới",
                          "This request was already confirmed or replaced by a newer one")
    if now.timestamp() > row["expires_ts"]:
        _erase(tx, row["id"], "expired", now)
        return None, _err(410, "code_expired", "Mã xác nhận đã hết hạn. Mời gửi lại yêu cầu",
                          "The confirmation code has expired. Please start again")
    tries, last = _wrong_tries(_recent(tx, code, now))
    wait = try_wait_s(tries)
    if wait and now.timestamp() < last + wait:
        left = int(math.ceil(last + wait - now.timestamp()))
        return None, _err(429, "rate_limited", f"Đã nhập sai mã nhiều lần: vui lòng thử lại sau {max(1, -(-left // 60))} phút",
                          f"Too many wrong codes: try again in {max(1, -(-left // 60))} min", retry_after_s=left)
    good = otp.isdigit() and len(otp) == 6 and hmac.compare_digest(hash_code(otp, row["code_salt"]), row["code_hash"])
    if not good:
        tx.execute("UPDATE postal_confirmations SET failed_tries = failed_tries + 1, last_try_ts = ? WHERE id = ?",
                   (now.timestamp(), row["id"]))
        tries += 1
        left = max(FREE_TRIES - tries, 0)
        extra = {"tries_left": left}
        if not left:
            extra["retry_after_s"] = int(math.ceil(try_wait_s(tries)))
        log.info("postal request for %s: wrong confirmation code (%d)", code, tries)
        return None, _err(403, "wrong_code", f"Mã xác nhận không đúng, còn {left} lần thử",
                          f"Wrong confirmation code, {left} tries left", **extra)
    recorded = rules.request(tx, code, row["recipient"], row["address"], row["phone"], source, now)
    _erase(tx, row["id"], "confirmed", now)
    messages.tell_requested(tx, cfg, dossiers.get(tx, code), recorded["address_masked"], now)
    return recorded, None


def sweep(store: Store, now: datetime) -> int:
    """Requests nobody confirmed in time: their name, address and phone are erased (app.py runs
    this every minute). Returns how many were closed."""
    with store.write() as tx:
        rows = tx.execute("SELECT id FROM postal_confirmations WHERE state = 'pending' AND expires_ts < ?",
                          (now.timestamp(),)).fetchall()
        for (row_id,) in rows:
            _erase(tx, row_id, "expired", now)
    return len(rows)
