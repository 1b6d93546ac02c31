"""Postal return (Bưu chính công ích).

    POST /api/v1/dossiers/{code}/postal   officer (checked the ID at the counter): recorded at once.
                                          kiosk / locker device: a code goes to the contact on file (202)…
    POST /api/v1/dossiers/{code}/postal/confirm   … and the device sends it back: {confirm, code}
    GET  /api/v1/postal/waiting           officer: requests not yet handed to the post (counts)
    GET  /api/v1/postal/handover          officer: today's handover list (?format=json|xlsx|html)
    POST /api/v1/postal/handover          officer: {"codes": [...]} handed to the post → status 10
"""
from __future__ import annotations

import html
import io
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from queue_server.auth.guards import Principal, require_device, require_staff, require_staff_or_device
from queue_server.clock import iso_local
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_site, get_store
from queue_server.results.dossiers import rules as dossiers
from queue_server.results.dossiers import words
from queue_server.results.dossiers.rules import contact_problem, mask_phone
from queue_server.errors import ApiError
from queue_server.notices.outbox import locker_config
from queue_server.results.postal import confirm, messages, rules
from queue_server.store import Store

router = APIRouter(tags=["postal"])
TITLE = ("BIÊN BẢN GIAO NHẬN KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH QUA DỊCH VỤ BƯU CHÍNH CÔNG ÍCH",
         "Handover of results to the public postal service")
NO_STORE = {"Cache-Control": "no-store"}   # names, addresses, phones: never kept by a browser or proxy
COLUMNS = ("STT", "Mã hồ sơ", "Thủ tục", "Người nhận", "Địa chỉ nhận", "Điện thoại", "Ghi chú")


class PostalIn(BaseModel):
    recipient: str = Field(..., min_length=2, max_length=120)
    address: str = Field(..., min_length=10, max_length=300)
    phone: str | None = Field(None, max_length=20)


class HandoverIn(BaseModel):
    codes: list[str] = Field(..., min_length=1, max_length=1000)


def check_body(body: PostalIn) -> None:
    problem = contact_problem(body.phone, None)
    if problem:
        raise ApiError(422, "validation_error", *problem)
    if not re.search(r"\w", body.recipient) or "," not in body.address:
        raise ApiError(422, "validation_error", "Cần họ tên người nhận và địa chỉ đầy đủ (số nhà, phường/xã, tỉnh)",
                       "recipient and a full address (street, ward, province) are needed")


def answer(row: dict[str, Any]) -> dict[str, Any]:
    """A recorded request as any caller sees it: masked only."""
    return {"code": row["code"], "state": row["state"], "recipient": row["recipient_masked"],
            "address": row["address_masked"], "phone": mask_phone(row["phone"])}


def refused(error: dict[str, Any]) -> JSONResponse:
    """An error body from postal.confirm (returned, so that wrong tries were committed), with its
    extra fields (tries_left, retry_after_s) beside code and message."""
    return JSONResponse({"error": error["error"]}, status_code=error["status"], headers=error.get("headers"))


@router.post("/api/v1/dossiers/{code}/postal", status_code=201,
             responses={202: {"description": "a device asked: a confirmation code went to the contact on file"}})
async def request_postal(code: str, body: PostalIn, request: Request,
                         who: Principal = Depends(require_staff_or_device("officer", "kiosk", "locker")),
                         store: Store = Depends(get_store), now: datetime = Depends(get_now)) -> Any:
    """An officer at the counter has checked the citizen's ID: recorded at once. A kiosk is anyone
    holding a receipt: the request waits for the code sent to the contact on file (`postal.confirm`)."""
    check_body(body)
    cfg = locker_config(request.app).notices

    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            if who.kind == "device":
                return confirm.start(tx, cfg, code.strip(), body.recipient.strip(), body.address.strip(),
                                     body.phone, who.actor, now)
            row = rules.request(tx, code.strip(), body.recipient.strip(), body.address.strip(), body.phone,
                                who.actor, now)
            messages.tell_requested(tx, cfg, dossiers.get(tx, row["code"]), row["address_masked"], now)
            return answer(row), None
    out, error = await store.run(work)
    if error:
        return refused(error)
    return JSONResponse(out, status_code=202) if who.kind == "device" else out


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: str = Field(..., min_length=8, max_length=64)
    code: str = Field(..., max_length=12)


@router.post("/api/v1/dossiers/{code}/postal/confirm", status_code=201)
async def confirm_postal(code: str, body: ConfirmIn, request: Request,
                         who: Principal = Depends(require_device("kiosk", "locker")),
                         store: Store = Depends(get_store), now: datetime = Depends(get_now)) -> Any:
    """The code the applicant received, typed at the same kiosk that asked: the request is recorded."""
    return await confirm_with(store, request, code, body, who.actor, now)


async def confirm_with(store: Store, request: Request, code: str, body: ConfirmIn, source: str,
                       now: datetime) -> Any:
    cfg = locker_config(request.app).notices

    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            return confirm.confirm(tx, cfg, code.strip(), body.confirm, body.code.strip(), source, now)
    row, error = await store.run(work)
    if error:
        return refused(error)
    return answer(row)


@router.get("/api/v1/postal/waiting")
def waiting(who: Principal = Depends(require_staff("officer")), store: Store = Depends(get_store)) -> dict[str, int]:
    """Requests not yet handed to the post: results ready (today's list) and still being processed."""
    return rules.waiting(store)


def _rows(store: Store, site: SiteConfig) -> list[dict[str, Any]]:
    return [{"code": r["code"], "procedure": r["procedure"], "recipient": r["recipient"], "address": r["address"],
             "phone": r["phone"] or "", "requested_at": iso_local(r["requested_ts"], site.tz),
             "due": words.day(r["due_ts"], site.tz)} for r in rules.ready_to_send(store)]


@router.get("/api/v1/postal/handover", response_model=None)
def handover_list(format: Literal["json", "xlsx", "html"] = "json",
                  codes: Annotated[str | None, Query(max_length=40_000, description=(
                      "comma-separated dossier codes: the list is narrowed to these (the console prints "
                      "the list it will mark handed over, so a result that became ready meanwhile is not on it)"))] = None,
                  who: Principal = Depends(require_staff("officer")),
                  store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                  now: datetime = Depends(get_now)) -> Any:
    """The results ready to go by post today: what the postman signs for."""
    rows, day = _rows(store, site), words.day(now.timestamp(), site.tz)
    if codes is not None:
        wanted = {c.strip() for c in codes.split(",") if c.strip()}
        rows = [r for r in rows if r["code"] in wanted]
    if format == "xlsx":
        return Response(_xlsx(rows, site, day), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="bien-ban-buu-chinh-{day.replace("/", "-")}.xlsx"',
                                 **NO_STORE})
    if format == "html":
        return HTMLResponse(_html(rows, site, day), headers=NO_STORE)
    return {"day": day, "center": site.center.name, "items": rows}


def _xlsx(rows: list[dict[str, Any]], site: SiteConfig, day: str) -> bytes:
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "Bien ban"
    sheet.append([TITLE[0]])
    sheet.append([f"{site.center.name} — ngày {day}"])
    sheet.append(list(COLUMNS))
    for n, r in enumerate(rows, start=1):
        sheet.append([n, r["code"], r["procedure"], r["recipient"], r["address"], r["phone"], ""])
    sheet.append([])
    sheet.append(["", "Đại diện bên giao (Trung tâm)", "", "", "Đại diện bên nhận (Bưu điện)"])
    for col, width in zip("ABCDEFG", (5, 28, 40, 24, 48, 14, 16)):
        sheet.column_dimensions[col].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _html(rows: list[dict[str, Any]], site: SiteConfig, day: str) -> str:
    e = html.escape
    body = "".join(f"<tr><td>{n}</td><td>{e(r['code'])}</td><td>{e(r['procedure'])}</td><td>{e(r['recipient'] or '')}</td>"
                   f"<td>{e(r['address'] or '')}</td><td>{e(r['phone'])}</td><td></td></tr>"
                   for n, r in enumerate(rows, start=1))
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    # the page's CSP allows no inline style: the look is in /web/static/handover.css
    return (f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>{TITLE[0]}</title>"
            "<link rel='stylesheet' href='/web/static/handover.css'></head><body>"
            f"<h1>{TITLE[0]}</h1><p class='where'>{e(site.center.name)} — ngày {day}</p>"
            f"<p>Số hồ sơ giao: <b id='count'>{len(rows)}</b></p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table><div class='sign'><div><b>Đại diện bên giao</b><br>(Trung tâm)<br><br><br>"
            "Ký, ghi rõ họ tên</div><div><b>Đại diện bên nhận</b><br>(Bưu điện)<br><br><br>Ký, ghi rõ họ tên</div></div>"
            "</body></html>")


@router.post("/api/v1/postal/handover")
async def hand_over(body: HandoverIn, who: Principal = Depends(require_staff("officer")), store: Store = Depends(get_store),
              now: datetime = Depends(get_now)) -> dict[str, Any]:
    def work() -> Any:  # runs in the store's group commit, on the event loop
        with store.write() as tx:
            done = rules.handover(tx, [c.strip() for c in body.codes], who.actor, now)
        return {"handed": done, "skipped": [c for c in body.codes if c.strip() not in done]}
    return await store.run(work)
