"""Dossiers (hồ sơ): codes `{agency}-{yyMMdd}-{NNNN}`, applicant masked, status codes 1–10.

A code is generated inside the one write transaction that inserts the dossier
(per agency and local day), so two concurrent creations never share a number;
an imported code (from the reception system) is skipped when the counter reaches it.
Applicant names are stored masked only; phone / e-mail / Zalo id are kept for
notices and never leave the server in clear (responses and logs mask them).
"""
from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlite_utils import Database, Migrations

from queue_server.edge.bounds import CleanText, Day, Moment
from queue_server.auth.guards import Principal, current_principal, require_staff
from queue_server.clock import iso_local, local
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_site, get_store
from queue_server.errors import ApiError
from queue_server.auth.ratelimit import public_rate_limit
from queue_server.dossiers import words
from queue_server.integrations import results as province_results
from queue_server.store import Store, Tx

log = logging.getLogger("motcua.dossiers")
router = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"])

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
        raise ApiError(422, "invalid_code", "Mã hồ sơ không đúng dạng, ví dụ 000.00.21.H29-230101-0001",
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
        raise ApiError(409, "daily_cap_reached", f"Đã hết số hồ sơ trong ngày của cơ quan {agency}",
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
        raise ApiError(404, "not_found", f"Không tìm thấy hồ sơ {code}", f"Dossier {code} not found")
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
class DossierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field would be dropped silently
    code: str | None = Field(None, max_length=64, description="existing code from the reception system (import)")
    procedure: CleanText = Field("", max_length=200)
    applicant_name: CleanText = Field("", max_length=200, description="stored masked only")
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=200)
    zalo_id: str | None = Field(None, max_length=100)
    received_at: Moment | None = None
    due_at: Moment | None = None
    due_date: Day | None = None
    status: int = Field(2, ge=1, le=10)
    channel: int = Field(1, ge=1, le=3, description="1 direct, 2 online, 3 public post")

    @model_validator(mode="after")
    def not_empty(self) -> "DossierIn":
        if not (self.code or self.procedure.strip() or self.applicant_name.strip()):
            raise ValueError("a dossier needs a code, a procedure or an applicant name")
        return self


class StatusIn(BaseModel):
    status: int = Field(..., ge=1, le=10)


def contact_problem(phone: str | None, email: str | None) -> tuple[str, str] | None:
    """(vi, en) of what is wrong with a phone / e-mail, or None."""
    if phone and not re.fullmatch(r"\+?\d[\d .-]{7,18}", phone):
        return "Số điện thoại không hợp lệ", "phone: not a phone number"
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        return "Địa chỉ e-mail không hợp lệ", "email: not an e-mail address"
    return None


def _check_contacts(body: DossierIn) -> None:
    problem = contact_problem(body.phone, body.email)
    if problem:
        raise ApiError(422, "validation_error", *problem)


@router.post("", status_code=201)
def create(body: DossierIn, who: Principal = Depends(require_staff("officer")),
           store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
           now: datetime = Depends(get_now)) -> dict[str, Any]:
    _check_contacts(body)
    received = body.received_at or now
    due = body.due_at or (datetime.combine(body.due_date, datetime.min.time(), site.tz) if body.due_date else None)
    with store.write() as tx:
        if body.code:
            try:
                agency, day, seq = parse_code(body.code)
            except ValueError as exc:
                raise ApiError(422, "validation_error", "Mã hồ sơ không đúng dạng", f"code: {exc}") from None
            code = body.code.strip()
            if get(tx, code):
                raise ApiError(409, "already_exists", f"Hồ sơ {code} đã có", f"Dossier {code} already exists")
            source = "import"
        else:
            agency = site.center.agency_id
            code, day, seq = next_code(tx, agency, now)
            source = "staff"
        tx.db["dossiers"].insert({
            "code": code, "agency": agency, "day": day, "seq": seq, "procedure": body.procedure,
            "applicant_masked": mask_name(body.applicant_name), "phone": body.phone, "email": body.email,
            "zalo_id": body.zalo_id, "received_ts": received.timestamp(),
            "due_ts": due.timestamp() if due else None, "status": body.status, "status_ts": now.timestamp(),
            "source": source, "channel": body.channel, "created_by": who.actor, "created_ts": now.timestamp()})
        tx.execute("INSERT INTO dossier_events (code, ts, type, status_to, actor) VALUES (?,?,?,?,?)",
                   (code, now.timestamp(), source, body.status, who.actor))
        tx.emit("dossier.created", code=code, status=body.status)
        row = get(tx, code)
    log.info("dossier %s created (%s) by %s", code, source, who.actor)
    return dossier_json(site, row, staff=True)


def citizen_json(site: SiteConfig, row: dict[str, Any]) -> dict[str, Any]:
    """What anyone holding a (sequential, guessable) dossier code is told: its status and due date.
    Not who applied, for what, where or when it was collected."""
    return {"code": row["code"], "status": row["status"], **status_name(row["status"]),
            "due_at": iso_local(row["due_ts"], site.tz)}


@router.get("/{code}", dependencies=[Depends(public_rate_limit)])
def read(code: str, store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
         now: datetime = Depends(get_now),
         who: Principal | None = Depends(current_principal)) -> dict[str, Any]:
    """Anonymous: status, due date and what to do next. A kiosk (the citizen scanned the
    receipt): and the procedure. Staff: the staff view (contacts masked)."""
    row = get(store, require_code(code))
    if row is None:
        raise ApiError(404, "not_found", "Không tìm thấy hồ sơ", "Dossier not found")
    parcel = store.one("SELECT state, number FROM locker_parcels WHERE dossier = ? AND state = 'ready'", (row["code"],)) \
        if store.one("SELECT 1 AS x FROM sqlite_master WHERE name = 'locker_parcels'") else None
    postal = store.one("SELECT state, address_masked FROM postal_requests WHERE code = ?", (row["code"],)) \
        if store.one("SELECT 1 AS x FROM sqlite_master WHERE name = 'postal_requests'") else None
    vi, en = words.next_step(row, parcel, now, site.tz, postal)
    guidance = {"next_step": vi, "next_step_en": en, "overdue": words.overdue(row, now)}
    if who is None:
        return {**citizen_json(site, row), **guidance}
    return {**dossier_json(site, row, staff=who.kind == "staff"), **guidance}


@router.get("")
def listing(status: Annotated[int, Field(ge=1, le=10)] | None = None, limit: Annotated[int, Field(ge=1, le=1000)] = 200, who: Principal = Depends(require_staff("officer")),
            store: Store = Depends(get_store), site: SiteConfig = Depends(get_site)) -> list[dict[str, Any]]:
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    rows = store.query(f"SELECT * FROM dossiers {where} ORDER BY created_ts DESC LIMIT ?",
                       [*params, max(1, min(limit, 1000))])
    return [dossier_json(site, r, staff=True) for r in rows]


@router.post("/{code}/status")
def change_status(code: str, body: StatusIn, who: Principal = Depends(require_staff("officer")),
                  store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                  now: datetime = Depends(get_now)) -> dict[str, Any]:
    if body.status == RETURNED:
        raise ApiError(409, "invalid_state", "Trạng thái 10 chỉ được ghi khi trả kết quả",
                       "Status 10 is set when the result is handed over (locker pickup or counter return)")
    with store.write() as tx:
        set_status(tx, code, body.status, now, who.actor)
        row = get(tx, code)
    return dossier_json(site, row, staff=True)


class HandoverIn(BaseModel):
    channel: Literal["counter", "post"] = Field("counter", description="at the counter, or sent by public post")


@router.post("/{code}/handed-over")
def handed_over(code: str, request: Request, body: HandoverIn | None = None,
                who: Principal = Depends(require_staff("officer")),
                store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                now: datetime = Depends(get_now)) -> dict[str, Any]:
    """Result handed over at the counter (e.g. after a return from the locker) or sent by post: status 10."""
    channel = body.channel if body else "counter"
    with store.write() as tx:
        row = get(tx, code)
        if row is None:
            raise ApiError(404, "not_found", f"Không tìm thấy hồ sơ {code}", f"Dossier {code} not found")
        active = tx.execute("SELECT 1 FROM locker_parcels WHERE dossier = ? AND state NOT IN "
                            "('collected','returned','cancelled')", (code,)).fetchone() \
            if tx.execute("SELECT 1 FROM sqlite_master WHERE name='locker_parcels'").fetchone() else None
        if active:
            raise ApiError(409, "invalid_state", "Kết quả đang ở tủ, hãy thu hồi trước",
                           "The result is in a locker: retrieve it first")
        set_status(tx, code, RETURNED, now, who.actor, f"handed_over_{channel}", collected_ts=now.timestamp())
        from queue_server.notices.outbox import erase_contacts, locker_config
        if not locker_config(request.app).notices.contact_retention_days:  # later ones: the worker's sweep
            erase_contacts(tx, now, 0, code)
        row = get(tx, code)
    return dossier_json(site, row, staff=True)
