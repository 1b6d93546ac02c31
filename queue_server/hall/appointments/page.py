"""The booking page on the citizen's phone: GET /book (choose service, day, time), GET /book/{code}
(the confirmation: code as text, QR, calendar file, cancel), GET /book/{code}/calendar.ics.

Server-rendered (every step is a link: it works with no script); static/book.js (ES5) only
sends the booking and the cancellation, which are JSON calls to /api/v1/appointments.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from queue_server.hall.appointments import rules
from queue_server.hall.appointments.config import booking_of
from queue_server.hall.appointments.guesses import lookup
from queue_server.hall.appointments.routes import booking_json
from queue_server.auth.ratelimit import public_rate_limit
from queue_server.errors import ApiError
from queue_server.web.i18n import LANGS, STRINGS
from queue_server.web.pages import page_lang, templates
from queue_server.web.postal_form import postal_context

router = APIRouter(include_in_schema=False)
limited = [Depends(public_rate_limit)]
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
WEEKDAYS = {"vi": ("T2", "T3", "T4", "T5", "T6", "T7", "CN"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def strings(lang: str) -> dict[str, str]:
    n = LANGS.index(lang)
    return {k: v[n] for k, v in STRINGS.items() if k.startswith("book_") or k == "lang_toggle"}


def qr_svg(text: str) -> Markup:
    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2,
                      error_correction=qrcode.constants.ERROR_CORRECT_M)
    svg = img.to_string(encoding="unicode")
    svg = svg.replace('width="', 'data-w="', 1).replace('height="', 'data-h="', 1)  # the CSS sizes it
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR" class="qr" ', 1))


def _toggle(request: Request, lang: str) -> str:
    params = dict(request.query_params)
    params["lang"] = "en" if lang == "vi" else "vi"
    return f"{request.url.path}?{urlencode(params)}"


@router.get("/book", response_class=HTMLResponse, dependencies=limited)
def book_page(request: Request, service: str | None = None, day: str | None = None):
    lang = page_lang(request)
    state = request.app.state
    site, store, now = state.site, state.store, state.settings.clock()
    booking = booking_of(site)
    services = [site.services[c] for c in site.services if booking.service(c)]
    chosen = site.services.get(service) if service and booking.service(service) else None
    days, slots, picked = [], [], None
    if chosen is not None:
        today = now.astimezone(site.tz).date()
        for n in range(booking.service(chosen.code).days_ahead + 1):
            d = today + timedelta(days=n)
            if rules.slot_starts(site, booking, chosen.code, d):
                days.append({"iso": d.isoformat(), "label": f"{WEEKDAYS[lang][d.weekday()]} {d:%d/%m}"})
        try:
            picked = date.fromisoformat(day) if day else None
        except ValueError:
            picked = None
        if picked is None or picked.isoformat() not in {d["iso"] for d in days}:
            picked = date.fromisoformat(days[0]["iso"]) if days else None
        if picked is not None:
            slots = rules.slots(store.db.conn, site, now, chosen.code, picked)
            for s in slots:
                s["time"] = s["start"][11:16]
    context = {"lang": lang, "s": strings(lang), "toggle": _toggle(request, lang),
               "center": site.center.name_en if lang == "en" else site.center.name,
               "services": services, "chosen": chosen, "days": days, "day": picked.isoformat() if picked else None,
               "slots": slots}
    response = templates.TemplateResponse(request, "book.html", context, headers=HEADERS)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie("motcua_lang", lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/book/{code}", response_class=HTMLResponse, dependencies=limited)
def booked_page(request: Request, code: str):
    lang = page_lang(request)
    state = request.app.state
    site = state.site
    try:
        a = booking_json(request, site, lookup(request, lambda: rules.get(state.store.db.conn, site, code[:24])))
    except ApiError as exc:
        if exc.status == 429:
            raise
        a = None
    booking = booking_of(site)
    context = {"lang": lang, "s": strings(lang), "toggle": _toggle(request, lang),
               "center": site.center.name_en if lang == "en" else site.center.name, "a": a,
               "qr": qr_svg(a["status_url"]) if a else "",
               "code_text": f"{a['code'][:4]} {a['code'][4:]}" if a else "",
               "when": _when(a, lang) if a else "",
               "how": strings(lang)["book_how"].format(early=f"{booking.early_minutes:g}",
                                                       grace=f"{booking.grace_minutes:g}"),
               "postal": postal_context(lang, f"/api/v1/appointments/{a['code']}") if a else None}
    return templates.TemplateResponse(request, "book_done.html", context, status_code=200 if a else 404,
                                      headers=HEADERS)


def _when(a: dict, lang: str) -> str:
    start, end = datetime.fromisoformat(a["start"]), datetime.fromisoformat(a["end"])
    return f"{start:%H:%M}–{end:%H:%M} {WEEKDAYS[lang][start.weekday()]} {start:%d/%m/%Y}"


@router.get("/book/{code}/calendar.ics", dependencies=limited)
def calendar(request: Request, code: str) -> Response:
    state = request.app.state
    site = state.site
    a = booking_json(request, site, lookup(request, lambda: rules.get(state.store.db.conn, site, code[:24])))
    utc = "%Y%m%dT%H%M%SZ"
    start, end = (datetime.fromisoformat(a[k]) for k in ("start", "end"))
    stamp = state.settings.clock().astimezone(timezone.utc)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//motcua//appointments//VI", "CALSCALE:GREGORIAN",
             "BEGIN:VEVENT", f"UID:{a['code']}@motcua", f"DTSTAMP:{stamp:{utc}}",
             f"DTSTART:{start.astimezone(timezone.utc):{utc}}", f"DTEND:{end.astimezone(timezone.utc):{utc}}",
             _fold(f"SUMMARY:{_esc('Lịch hẹn ' + a['service_name'] + ' – mã ' + a['code'])}"),
             _fold(f"LOCATION:{_esc(site.center.name + ', ' + site.center.address)}"),
             _fold(f"DESCRIPTION:{_esc('Mã đặt lịch ' + a['code'] + '. ' + a['status_url'])}"),
             "END:VEVENT", "END:VCALENDAR", ""]
    return Response("\r\n".join(lines), media_type="text/calendar; charset=utf-8",
                    headers={**HEADERS, "Content-Disposition": f'attachment; filename="lich-hen-{a["code"]}.ics"'})


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545: lines over 75 octets continue on the next line after a space (never inside a character)."""
    out, cur = [], b""
    for ch in line:
        b = ch.encode()
        if len(cur) + len(b) > 73:
            out.append(cur.decode())
            cur = b""
        cur += b
    out.append(cur.decode())
    return "\r\n ".join(out)
