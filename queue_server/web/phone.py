"""The citizen's ticket page: GET /t/{token} (no login; the token is the key).

Server-rendered for a first paint with no script; static/phone.js (ES5, no
framework) then follows the ticket live over Server-Sent Events
(/api/v1/t/{token}/events) and switches language in place.
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from queue_server.auth.ratelimit import public_rate_limit
from queue_server.hall.alerts.rules import alert_view
from queue_server.errors import ApiError
from queue_server.hall.tickets.citizen import citizen_view, resolve
from queue_server.web.i18n import STRINGS, LANGS
from queue_server.web.pages import page_lang, templates
from queue_server.web.postal_form import postal_context

router = APIRouter(include_in_schema=False)
PHONE_KEYS = [k for k in STRINGS if k.startswith("phone_")] + ["lang_toggle", "minutes"]


def phone_strings() -> dict[str, dict[str, str]]:
    return {lang: {k: STRINGS[k][n] for k in PHONE_KEYS} for n, lang in enumerate(LANGS)}


def phone_text(view: dict, lang: str) -> str:
    """The state line as the server renders it (the script replaces it with the live one)."""
    s = {k: STRINGS[k][LANGS.index(lang)] for k in PHONE_KEYS}
    state = view["state"]
    if state == "called":
        return s["phone_called"].format(counter=view["counter"])
    if state == "serving":
        return s["phone_serving"].format(counter=view["counter"])
    if state == "expired":
        return s["phone_expired"].format(day=view["day"])
    return s.get(f"phone_{state}", s["phone_waiting"])


@router.get("/t/{token}", response_class=HTMLResponse, dependencies=[Depends(public_rate_limit)])
def ticket_page(request: Request, token: str):
    lang = page_lang(request)
    state = request.app.state
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    try:
        view = citizen_view(state.store, state.site, resolve(state.store, token), state.settings.clock())
        alert = {**alert_view(state.store, resolve(state.store, token)), "threshold": state.site.queue.alert_ahead}
    except ApiError:
        view, alert = None, None
    context = {"lang": lang, "view": view, "token": token, "strings": phone_strings(), "alert": alert,
               "s": phone_strings()[lang], "state_text": phone_text(view, lang) if view else "",
               "postal": postal_context(lang, f"/api/v1/t/{quote(token, safe='')}") if view else None}
    return templates.TemplateResponse(request, "phone.html", context, status_code=200 if view else 404,
                                      headers=headers)
