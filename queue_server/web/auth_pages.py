"""Who is looking at a page: staff by session cookie (set by /login), devices
by `?token=` (a TV or tablet URL carries its device key).

Pages answer like the API — 401 without credentials, 403 with the wrong
role — but with an HTML body people can act on (a sign-in form, a device-key
form), so a browser and the route test see the same status codes.
"""
from __future__ import annotations

from fastapi import Request

from queue_server.auth import accounts
from queue_server.auth.guards import RANK, SESSION_COOKIE, Principal

COOKIE = SESSION_COOKIE
LANG_COOKIE = "motcua_lang"


class PageDenied(Exception):
    def __init__(self, status: int, principal: Principal | None = None):
        super().__init__(status)
        self.status, self.principal = status, principal


def page_secret(request: Request) -> str | None:
    """Header, else a device key in `?token=` (a TV's or tablet's bookmarked URL), else the
    session cookie. A staff session token is never taken from a URL (it would sit in histories)."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    token = request.query_params.get("token")
    if token and token.startswith("dk_"):
        return token
    return request.cookies.get(COOKIE) or None


def page_principal(request: Request) -> tuple[Principal | None, str | None]:
    secret = page_secret(request)
    if not secret:
        return None, None
    now_ts = request.app.state.settings.clock().timestamp()
    row = accounts.lookup(request.app.state.store, secret, now_ts)
    if row is None:
        return None, None
    return Principal(row["kind"], row["id"], row["name"], row["role"]), secret


def allowed(who: Principal, min_staff: str | None, devices: tuple[str, ...]) -> bool:
    if who.kind == "staff":
        return min_staff is not None and RANK[who.role] >= RANK[min_staff]
    return who.role in devices


def require_page(request: Request, min_staff: str | None, devices: tuple[str, ...] = ()) -> tuple[Principal, str]:
    who, secret = page_principal(request)
    if who is None:
        raise PageDenied(401)
    if not allowed(who, min_staff, devices):
        raise PageDenied(403, who)
    return who, secret  # type: ignore[return-value]
