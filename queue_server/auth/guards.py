"""Route guards: `Depends(require_staff("officer"))`, `require_device("kiosk")`, …

Dependencies are `async def` on purpose: FastAPI runs plain `def` dependencies
in the thread pool, which costs more than the whole ticket transaction.
Credentials come as `Authorization: Bearer …`, `?token=` (reads and WebSockets of
displays and tablets) or the staff pages' session cookie (see `bearer`). Staff roles are ordered (admin ≥ supervisor ≥ officer); device
roles must match exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from queue_server.auth import accounts
from queue_server.auth.accounts import DEVICE_ROLES, STAFF_ROLES
from queue_server.errors import ApiError

RANK = {role: n for n, role in enumerate(STAFF_ROLES)}


@dataclass(frozen=True)
class Principal:
    kind: str  # "staff" | "device"
    id: int
    name: str
    role: str

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"


#: The staff pages' session: an HttpOnly, SameSite=strict cookie set by POST /login.
SESSION_COOKIE = "motcua_token"


def bearer(conn: HTTPConnection) -> str | None:
    """The caller's secret: `Authorization: Bearer`, else `?token=` on reads and WebSockets
    (displays and tablets cannot set a header; a key in a URL must never make a change),
    else the staff session cookie of a same-origin request."""
    header = conn.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    if conn.scope["type"] == "websocket" or conn.scope.get("method") in ("GET", "HEAD"):
        token = conn.query_params.get("token")
        if token:
            return token
    cookie = conn.cookies.get(SESSION_COOKIE)
    if cookie and cookie.startswith("st_") and same_origin(conn):
        return cookie
    return None


def same_origin(conn: HTTPConnection) -> bool:
    """False when the browser says the request comes from another site's page (a cookie must
    not act for it: cross-site WebSocket or form). No Origin header: not a cross-site browser call."""
    origin = conn.headers.get("origin")
    return not origin or urlsplit(origin).netloc == conn.headers.get("host")


async def current_principal(conn: HTTPConnection) -> Principal | None:
    """Dependency form of `principal_of` (async: no thread-pool hop per request)."""
    return principal_of(conn)


def principal_of(conn: HTTPConnection) -> Principal | None:
    """The caller, or None when no credential was sent; unknown credentials are refused."""
    cached = getattr(conn.state, "principal", ...)
    if cached is not ...:
        return cached
    secret = bearer(conn)
    who = None
    if secret:
        store = conn.app.state.store
        row = accounts.lookup(store, secret, conn.app.state.settings.clock().timestamp())
        if row is None:
            raise ApiError(401, "unauthenticated", "Phiên đăng nhập hoặc khóa thiết bị không hợp lệ",
                           "Invalid or expired token or device key", {"WWW-Authenticate": "Bearer"})
        who = Principal(row["kind"], row["id"], row["name"], row["role"])
    conn.state.principal = who
    return who


def check_principal(who: Principal | None, min_staff: str | None, devices: tuple[str, ...]) -> Principal:
    """Allow staff of `min_staff` or above, or a device whose role is in `devices`; else 401/403."""
    if who is None:
        raise ApiError(401, "unauthenticated", "Cần đăng nhập hoặc khóa thiết bị",
                       "Authentication required", {"WWW-Authenticate": "Bearer"})
    if who.kind == "staff" and min_staff is not None and RANK[who.role] >= RANK[min_staff]:
        return who
    if who.kind == "device" and who.role in devices:
        return who
    wanted = " / ".join(filter(None, [min_staff and f"staff {min_staff}+", *devices]))
    raise ApiError(403, "forbidden", f"Không có quyền (cần: {wanted})", f"Forbidden (needs: {wanted})")


def require_staff(min_role: str = "officer") -> Callable[..., Principal]:
    assert min_role in RANK, min_role

    async def dependency(conn: HTTPConnection) -> Principal:
        return check_principal(principal_of(conn), min_role, ())
    return dependency


def require_device(*roles: str) -> Callable[..., Principal]:
    assert roles and all(r in DEVICE_ROLES for r in roles), roles

    async def dependency(conn: HTTPConnection) -> Principal:
        return check_principal(principal_of(conn), None, roles)
    return dependency


def require_staff_or_device(min_role: str, *roles: str) -> Callable[..., Principal]:
    assert min_role in RANK and all(r in DEVICE_ROLES for r in roles), (min_role, roles)

    async def dependency(conn: HTTPConnection) -> Principal:
        return check_principal(principal_of(conn), min_role, roles)
    return dependency
