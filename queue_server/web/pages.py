"""The four web pages and staff sign-in.

    GET  /console           officer+          officer console
    GET  /dashboard         supervisor+       supervisor dashboard
    GET  /display           display key | officer+   hall TV (1920×1080)
    GET  /rate/{counter}    rating key        citizen rating tablet
    GET  /login, POST /login, POST /logout    staff session cookie

Pages are server-rendered (Jinja2) and carry their data as `window.PAGE`;
small scripts in ./static do the live part. `?lang=en` switches language and
is remembered in a cookie.
"""
from __future__ import annotations

import hmac
import math
import secrets
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from queue_server.auth import accounts
from queue_server.auth.guards import same_origin
from queue_server.clock import service_day
from queue_server.errors import ApiError, RuleError
from queue_server.auth.ratelimit import public_rate_limit
from queue_server.web.auth_pages import COOKIE, LANG_COOKIE, PageDenied, page_secret, require_page
from queue_server.web.i18n import pick_lang, table, translator

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}


def page_lang(request: Request) -> str:
    return pick_lang(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE))


def render(request: Request, name: str, page: dict | None = None, status: int = 200, **ctx) -> HTMLResponse:
    lang = page_lang(request)
    site = request.app.state.site
    center = site.center.name_en if lang == "en" else site.center.name
    context = {"lang": lang, "t": translator(lang), "i18n": table(lang), "center_name": center,
               "page": {"lang": lang, **(page or {})}, **ctx}
    response = templates.TemplateResponse(request, name, context, status_code=status, headers=NO_STORE)
    if request.query_params.get("lang") in ("vi", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def denied(request: Request, exc: PageDenied, *, device_title: str | None = None) -> HTMLResponse:
    if exc.status == 403:
        return render(request, "forbidden.html", status=403)
    if device_title:
        return render(request, "device_key.html", status=401, title=device_title)
    query = "&".join(f"{k}={quote(v)}" for k, v in request.query_params.items() if k != "token")
    nxt = request.url.path + (f"?{query}" if query else "")
    return login_page(request, 401, nxt, translator(page_lang(request))("login_required"))


# -- login CSRF: a sign-in form posted from another site (logging a person into someone
# else's account) lacks the value this form carries in a hidden field and in a cookie.
LOGIN_COOKIE = "motcua_login"


def login_page(request: Request, status: int, nxt: str, message: str | None, failed: bool = False) -> HTMLResponse:
    csrf = secrets.token_urlsafe(24)
    response = render(request, "login.html", status=status, next=nxt, message=message, failed=failed, csrf=csrf)
    response.set_cookie(LOGIN_COOKIE, csrf, httponly=True, samesite="strict", max_age=3600, path="/login")
    return response


def login_form_genuine(request: Request, csrf: str) -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    return bool(csrf) and hmac.compare_digest(cookie.encode(), csrf.encode()) and same_origin(request)


def site_data(request: Request) -> dict:
    site = request.app.state.site
    now = request.app.state.settings.clock()
    return {
        "day": service_day(now), "now": now.isoformat(),
        "center_name": site.center.name, "center_name_en": site.center.name_en,
        "services": [{"code": s.code, "letter": s.letter, "name": s.name, "name_en": s.name_en}
                     for s in site.services.values()],
        "counters": [{"code": c.code, "name": c.name, "name_en": c.name_en, "services": list(c.services),
                      "priority": c.priority} for c in site.counters.values()],
        "priority_groups": {g.code: {"name": g.name, "name_en": g.name_en}
                            for g in site.priority_groups.values()},
    }


def _safe_next(nxt: str | None) -> str:
    if nxt and nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt:
        return nxt
    return "/console"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/console"):
    return login_page(request, 200, _safe_next(next), None)


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(public_rate_limit)])
async def login_submit(request: Request, username: str = Form(..., max_length=64),
                 password: str = Form(..., max_length=256), next: str = Form("/console"),
                 csrf: str = Form("", max_length=64)):
    app = request.app
    if not login_form_genuine(request, csrf):
        return login_page(request, 403, _safe_next(next), translator(page_lang(request))("login_expired"), True)
    try:
        session = await accounts.sign_in(app.state.store, username.strip(), password, app.state.settings.clock(),
                                         app.state.settings.token_ttl_hours,
                                         source=request.client.host if request.client else None)
    except ApiError as exc:   # slowed down or locked: say so, and for how long, not "wrong password"
        return login_page(request, exc.status, _safe_next(next), exc.vi if page_lang(request) == "vi" else exc.en, True)
    except RuleError:
        return login_page(request, 401, _safe_next(next), translator(page_lang(request))("login_failed"), True)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    response.set_cookie(COOKIE, session["token"], httponly=True, samesite="strict",
                        max_age=int(app.state.settings.token_ttl_hours * 3600), path="/")
    return response


@router.post("/logout")
async def logout(request: Request):
    if not same_origin(request):  # another site's page may not sign people out
        return RedirectResponse("/login", status_code=303)
    secret = request.cookies.get(COOKIE)
    if secret and secret.startswith("st_"):
        store = request.app.state.store
        await store.run(lambda: accounts.logout(store, secret))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/console", response_class=HTMLResponse)
def console(request: Request):
    try:
        who, secret = require_page(request, "officer")
    except PageDenied as exc:
        return denied(request, exc)
    # No credential in the page: its scripts call the API with the HttpOnly session cookie.
    staff = request.app.state.store.one("SELECT COALESCE(display_name, username) AS name FROM staff WHERE id = ?",
                                        (who.id,))
    page = {"user": who.name, "role": who.role, **site_data(request),
            "display_name": staff["name"] if staff else who.name,
            "counter": request.query_params.get("counter")}
    return render(request, "console.html", page)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request):
    try:
        who, secret = require_page(request, "supervisor")
    except PageDenied as exc:
        return denied(request, exc)
    return render(request, "dashboard.html", {"user": who.name, "role": who.role, **site_data(request)})


def device_key(who, secret: str) -> dict:
    """A display's or tablet's key (already in the URL it was given) for its scripts' API
    calls in a header; a staff session stays in its cookie, never in the page."""
    return {"token": secret} if who.kind == "device" else {}


def _speed(request: Request) -> float:
    # Test hook: `?speed=4` plays announcements 4× faster (order and overlap rules unchanged).
    try:
        speed = float(request.query_params.get("speed", "1"))
    except ValueError:
        return 1.0
    # NaN would pass min/max and make the page's JSON data unreadable (JSON has no NaN).
    return min(max(speed, 0.5), 8.0) if math.isfinite(speed) else 1.0


@router.get("/display", response_class=HTMLResponse)
def display(request: Request):
    try:
        who, secret = require_page(request, "officer", ("display",))
    except PageDenied as exc:
        return denied(request, exc, device_title=translator(page_lang(request))("display_title"))
    voice = request.query_params.get("voice", "vi")
    return render(request, "display.html", {**device_key(who, secret), **site_data(request), "speed": _speed(request),
                                            "voice_lang": voice if voice in ("vi", "en") else "vi"})


@router.get("/rate/{counter}", response_class=HTMLResponse)
def rate(request: Request, counter: str):
    try:
        who, secret = require_page(request, None, ("rating",))
    except PageDenied as exc:
        return denied(request, exc, device_title=translator(page_lang(request))("rate_title"))
    site = request.app.state.site
    if counter not in site.counters:
        return Response(f"Không có quầy {quote(counter)} / Counter not found", status_code=404,
                        media_type="text/plain; charset=utf-8")
    cfg = site.counters[counter]
    return render(request, "rate.html", {**device_key(who, secret), **site_data(request), "counter": counter,
                                         "counter_name": cfg.name, "counter_name_en": cfg.name_en})


__all__ = ["router", "page_secret"]
