"""Postal return (Bưu chính công ích).

    POST /api/v1/dossiers/{code}/postal   kiosk / locker device or officer: {recipient, address, phone?}
    GET  /api/v1/postal/handover          officer: today's handover list (?format=json|xlsx|html)
    POST /api/v1/postal/handover          officer: {"codes": [...]} handed to the post → status 10
"""
from __future__ import annotations

import html
import io
import re
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from queue_server.auth.guards import Principal, require_staff, require_staff_or_device
from queue_server.clock import iso_local
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_site, get_store
from queue_server.dossiers import words
from queue_server.dossiers.rules import contact_problem, mask_phone
from queue_server.errors import ApiError
from queue_server.postal import rules
from queue_server.store import Store

router = APIRouter(tags=["postal"])
TITLE = ("BIÊN BẢN GIAO NHẬN KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH QUA DỊCH VỤ BƯU CHÍNH CÔNG ÍCH",
         "Handover of results to the public postal service")
COLUMNS = ("STT", "Mã hồ sơ", "Thủ tục", "Người nhận", "Địa chỉ nhận", "Điện thoại", "Ghi chú")


class PostalIn(BaseModel):
    recipient: str = Field(..., min_length=2, max_length=120)
    address: str = Field(..., min_length=10, max_length=300)
    phone: str | None = Field(None, max_length=20)


class HandoverIn(BaseModel):
    codes: list[str] = Field(..., min_length=1, max_length=1000)


@router.post("/api/v1/dossiers/{code}/postal", status_code=201)
async def request_postal(code: str, body: PostalIn, who: Principal = Depends(require_staff_or_device("officer", "kiosk", "locker")),
                   store: Store = Depends(get_store), now: datetime = Depends(get_now)) -> dict[str, Any]:
    def work() -> Any:  # runs in the store's group commit, on the event loop
        problem = contact_problem(body.phone, None)
        if problem:
            raise ApiError(422, "validation_error", *problem)
        if not re.search(r"\w", body.recipient) or "," not in body.address:
            raise ApiError(422, "validation_error", "Cần họ tên người nhận và địa chỉ đầy đủ (số nhà, phường/xã, tỉnh)",
                           "recipient and a full address (street, ward, province) are needed")
        with store.write() as tx:
            row = rules.request(tx, code.strip(), body.recipient.strip(), body.address.strip(), body.phone, who.actor, now)
        return {"code": row["code"], "state": row["state"], "recipient": row["recipient_masked"],
                "address": row["address_masked"], "phone": mask_phone(row["phone"])}
    return await store.run(work)


def _rows(store: Store, site: SiteConfig) -> list[dict[str, Any]]:
    return [{"code": r["code"], "procedure": r["procedure"], "recipient": r["recipient"], "address": r["address"],
             "phone": r["phone"] or "", "requested_at": iso_local(r["requested_ts"], site.tz),
             "due": words.day(r["due_ts"], site.tz)} for r in rules.ready_to_send(store)]


@router.get("/api/v1/postal/handover", response_model=None)
def handover_list(format: Literal["json", "xlsx", "html"] = "json", who: Principal = Depends(require_staff("officer")),
                  store: Store = Depends(get_store), site: SiteConfig = Depends(get_site),
                  now: datetime = Depends(get_now)) -> Any:
    """The results ready to go by post today: what the postman signs for."""
    rows, day = _rows(store, site), words.day(now.timestamp(), site.tz)
    if format == "xlsx":
        return Response(_xlsx(rows, site, day), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="bien-ban-buu-chinh-{day.replace("/", "-")}.xlsx"'})
    if format == "html":
        return HTMLResponse(_html(rows, site, day))
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
    return (f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>{TITLE[0]}</title><style>"
            "body{font-family:'DejaVu Sans',sans-serif;margin:2em}h1{font-size:1.1em;text-align:center}"
            "table{border-collapse:collapse;width:100%}td,th{border:1px solid #000;padding:4px 6px;font-size:.9em}"
            ".sign{display:flex;justify-content:space-around;margin-top:3em;text-align:center}"
            "@media print{body{margin:0}}</style></head><body>"
            f"<h1>{TITLE[0]}</h1><p style='text-align:center'>{e(site.center.name)} — ngày {day}</p>"
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
