"""Dossiers (hồ sơ) as plain functions: codes `{agency}-{yyMMdd}-{NNNN}`, masking, status codes 1–10.

A code is generated inside the one write transaction that inserts the dossier
(per agency and local day), so two concurrent creations never share a number;
an imported code (from the reception system) is skipped when the counter reaches it.
Applicant names are stored masked only; phone / e-mail / Zalo id are kept for
notices and never leave the server in clear (responses and logs mask them).
"""
from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from queue_server.clock import iso_local, local
from queue_server.config import SiteConfig
from queue_server.errors import RuleError
from queue_server.results.integrations import results as province_results
from queue_server.store import Store, Tx

log = logging.getLogger("motcua.dossiers")
CODE_RE = re.compile(r"^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(\d{6})-(\d{4})$")
STATUS = {
    1: ("Mới tiếp nhận", "New"), 2: ("Đã tiếp nhận", "Accepted"), 3: ("Không tiếp nhận", "Not accepted"),
    4: ("Đang xử lý", "Processing"), 5: ("Yêu cầu bổ sung", "Supplement requested"),
    6: ("Yêu cầu nộp phí", "Fees requested"), 7: ("Rút hồ sơ", "Withdrawn"),
    8: ("Dừng xử lý", "Stopped"), 9: ("Đã có kết quả, mời nhận", "Done: the result is ready to collect"),
    10: ("Đã trả kết quả", "Result returned"),
}
DONE, RETURNED = 9, 10
NO_RESULT_YET = frozenset({1, 3, 5, 6, 7, 8})  # new, refused, supplement/fees asked, withdrawn, stopped


# -- masking: the only forms personal data takes outside the database ---------
def mask_name(name: str) -> str:
    """"Nguyễn Văn An" -> "N*** V*** A***" (initials only; length hidden)."""
    return " ".join(word[0] + "***" for word in name.split()) if name.strip() else ""


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    return "*" * max(len(digits) - 3, 3) + digits[-3:]


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    user, _, domain = email.partition("@")
    return f"{user[:1]}***@{domain}"


def parse_code(code: str) -> tuple[str, str, int]:
    """(agency, yyMMdd, seq) or ValueError naming the expected form."""
    m = CODE_RE.match(code.strip())
    if not m:
        raise ValueError(f"{code[:40]!r} is not a dossier code like 000.00.21.H29-230101-0001")
    datetime.strptime(m.group(2), "%y%m%d")  # a real calendar day
    return m.group(1), m.group(2), int(m.group(3))


def require_code(code: str) -> str:
    """The code as stored (trimmed, upper case), or 422 `invalid_code` for anything that is not one."""
    code = code.strip().upper()
    try:
        parse_code(code)
    except ValueError:
        raise RuleError("invalid_code", "Mã hồ sơ không đúng dạng, ví dụ 000.00.21.H29-230101-0001",
                       "Not a dossier code; example: 000.00.21.H29-230101-0001") from None
    return code


def status_name(status: int) -> dict[str, str]:
    vi, en = STATUS[status]
    return {"status_name": vi, "status_name_en": en}


def dossier_json(site: SiteConfig, row: dict[str, Any], *, staff: bool = False) -> dict[str, Any]:
    out = {"code": row["code"], "agency": row["agency"], "procedure": row["procedure"],
           "applicant": row["applicant_masked"], "status": row["status"], **status_name(row["status"]),
           "received_at": iso_local(row["received_ts"], site.tz), "due_at": iso_local(row["due_ts"], site.tz),
           "status_at": iso_local(row["status_ts"], site.tz),
           "collected_at": iso_local(row["collected_ts"], site.tz), "collected_kiosk": row["collected_kiosk"],
           "returned_to_counter_at": iso_local(row["returned_to_counter_ts"], site.tz)}
    if staff:
        out.update(phone=mask_phone(row["phone"]), email=mask_email(row["email"]),
                   zalo=bool(row["zalo_id"]), source=row["source"], channel=row["channel"])
    return out


# -- rules (plain functions; lockers call them inside their own transaction) -----
def next_code(tx: Tx, agency: str, now: datetime) -> tuple[str, str, int]:
    """The day's next free number. Imported codes do not move the counter (one import of
    `…-9999` used to end the day's numbering): a number an import already took is skipped."""
    day = local(now).strftime("%y%m%d")
    row = tx.execute("SELECT last_seq FROM dossier_sequences WHERE agency = ? AND day = ?", (agency, day)).fetchone()
    seq = (row[0] if row else 0) + 1
    while seq <= 9999 and tx.execute("SELECT 1 FROM dossiers WHERE agency = ? AND day = ? AND seq = ?",
                                     (agency, day, seq)).fetchone():
        seq += 1
    tx.execute("INSERT INTO dossier_sequences (agency, day, last_seq) VALUES (?, ?, ?) "
               "ON CONFLICT (agency, day) DO UPDATE SET last_seq = excluded.last_seq", (agency, day, seq))
    if seq > 9999:
        raise RuleError("daily_cap_reached", f"Đã hết số hồ sơ trong ngày của cơ quan {agency}",
                       f"No dossier numbers left today for agency {agency}")
    return f"{agency}-{day}-{seq:04d}", day, seq


def get(store_or_tx: Store | Tx, code: str) -> dict[str, Any] | None:
    cur = store_or_tx.db.conn.execute("SELECT * FROM dossiers WHERE code = ?", (code,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row)) if row else None


def set_status(tx: Tx, code: str, status: int, now: datetime, actor: str, type_: str = "status",
               **fields: Any) -> None:
    row = get(tx, code)
    if row is None:
        raise RuleError("not_found", f"Không tìm thấy hồ sơ {code}", f"Dossier {code} not found")
    sets = ", ".join(["status = ?", "status_ts = ?", *(f"{k} = ?" for k in fields)])
    tx.execute(f"UPDATE dossiers SET {sets} WHERE code = ?", (status, now.timestamp(), *fields.values(), code))
    tx.execute("INSERT INTO dossier_events (code, ts, type, status_from, status_to, actor) VALUES (?,?,?,?,?,?)",
               (code, now.timestamp(), type_, row["status"], status, actor))
    tx.emit("dossier.status", code=code, status=status, **status_name(status))
    province_results.on_status(tx, row, status, type_, now)  # a province dossier handed over: report it
    log.info("dossier %s: status %s -> %s (%s) by %s", code, row["status"], status, type_, actor)


def note(tx: Tx, code: str, type_: str, now: datetime, actor: str, data: str | None = None) -> None:
    tx.execute("INSERT INTO dossier_events (code, ts, type, actor, data) VALUES (?,?,?,?,?)",
               (code, now.timestamp(), type_, actor, data))


# -- API -----------------------------------------------------------------------
def contact_problem(phone: str | None, email: str | None) -> tuple[str, str] | None:
    """(vi, en) of what is wrong with a phone / e-mail, or None."""
    if phone and not re.fullmatch(r"\+?\d[\d .-]{7,18}", phone):
        return "Số điện thoại không hợp lệ", "phone: not a phone number"
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        return "Địa chỉ e-mail không hợp lệ", "email: not an e-mail address"
    return None
