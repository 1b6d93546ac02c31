"""Every route of the app refuses requests without the right role.

The test walks ALL routes of the real app (`app.routes`, included routers
flattened), so a route added later by any part of the product is checked
too. A route is either listed in PUBLIC below (with the reason) or must
answer 401 to anonymous and bad credentials, 403 to every principal below
its required role, and neither to the principals it admits.

Other parts: when you add a public route (citizens' endpoints…), add it to
PUBLIC here with a one-line reason; a guarded route needs nothing.
"""
from __future__ import annotations

import inspect
import re

import pytest
from fastapi.routing import APIWebSocketRoute, iter_route_contexts
from starlette.routing import Mount

from queue_server.auth.accounts import DEVICE_ROLES, STAFF_ROLES

PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): "API description",
    ("GET", "/docs"): "API description",
    ("GET", "/api/v1/health"): "liveness probe",
    ("GET", "/api/v1/site"): "citizens: center name, hours",
    ("GET", "/api/v1/services"): "citizens: services and waits",
    ("GET", "/api/v1/services/{code}"): "citizens",
    ("GET", "/api/v1/services/{code}/procedures"): "citizens: documents to bring",
    ("GET", "/api/v1/counters"): "citizens and boards: which counter serves what",
    ("GET", "/api/v1/t/{token}"): "citizens: my ticket by its unguessable link token (rate-limited)",
    ("GET", "/api/v1/t/{token}/events"): "citizens: my ticket live, by its link token only",
    ("GET", "/t/{token}"): "citizens: the phone page of my ticket (the token is the key)",
    ("GET", "/api/v1/t/{token}/alert"): "citizens: is my text alert set (masked number), by link token only",
    ("POST", "/api/v1/t/{token}/alert"): "citizens: text me when I'm close (consent, by link token only)",
    ("DELETE", "/api/v1/t/{token}/alert"): "citizens: stop my text alert, by link token only",
    ("POST", "/api/v1/t/{token}/postal"): "citizens: result by post, by link token; only sends a code to the "
                                          "contact on file (rate-limited, postal.confirm brakes)",
    ("POST", "/api/v1/t/{token}/postal/confirm"): "citizens: the code from the contact on file confirms it",
    ("POST", "/api/v1/appointments/{code}/postal"): "citizens: the same from the booking page (booking code, "
                                                    "wrong codes counted)",
    ("POST", "/api/v1/appointments/{code}/postal/confirm"): "citizens: the code from the contact on file confirms it",
    ("POST", "/api/v1/auth/login"): "staff sign-in",
    ("GET", "/api/v1/dossiers/{code}"): "citizens: status and due date only to anonymous callers (rate-limited)",
    ("WS", "/api/v1/events"): "anonymous listeners get the hall-display subset only (events/audience.py)",
    ("GET", "/login"): "sign-in form",
    ("POST", "/login"): "sign-in form",
    ("POST", "/logout"): "clears the caller's own cookie",
    ("GET", "/api/v1/appointments/slots"): "citizens: free booking slots (rate-limited)",
    ("POST", "/api/v1/appointments"): "citizens book without an account (rate-limited, slots and no-shows bound it)",
    ("GET", "/api/v1/appointments/{code}"): "citizens: my booking by its code, no phone (rate-limited)",
    ("DELETE", "/api/v1/appointments/{code}"): "citizens cancel their booking by its code (rate-limited)",
    ("GET", "/book"): "citizens: the booking page",
    ("GET", "/book/{code}"): "citizens: my booking's page (the code is the key)",
    ("GET", "/book/{code}/calendar.ics"): "citizens: my booking as a calendar file",
    ("MOUNT", "/web/static"): "scripts and styles of the pages",
    ("MOUNT", "/docs/assets"): "Swagger UI's scripts and styles (served from the box, no CDN)",
}

# Public GET routes that need a query to answer 200 (without it: a clear 422).
QUERY = {"/api/v1/appointments/slots": {"service": "land", "day": "2026-11-24"}}

# Routes guarded inside the handler instead of by a `require_*` dependency:
# (min staff role or None, device roles admitted).
HANDLER_GUARDED: dict[tuple[str, str], tuple[str | None, tuple[str, ...]]] = {
    ("GET", "/console"): ("officer", ()),
    ("GET", "/dashboard"): ("supervisor", ()),
    ("GET", "/stats"): ("supervisor", ()),
    ("GET", "/display"): ("officer", ("display",)),
    ("GET", "/rate/{counter}"): (None, ("rating",)),
    ("GET", "/api/v1/auth/me"): ("officer", DEVICE_ROLES),
    ("POST", "/api/v1/tickets"): ("officer", ("kiosk",)),      # hot path: checked by hand
}

# Admitted callers are not sent to these (the call would end the session used by the test).
NO_ALLOWED_CALL = {("POST", "/api/v1/auth/logout")}

# Locker bank routes: a device passes the role check only if its key is bound to the bank
# (`[[lockers.banks]] devices`, default the device named like the bank's kiosk). The test devices
# (test-kiosk, test-locker) are bound to no bank, so they must be refused (issue 11).
def bank_bound(path: str) -> bool:
    return path.startswith("/api/v1/lockers/{kiosk}")


PARAMS = {"ticket_id": "1", "code": "land", "counter": "5", "service": "land", "kiosk": "result-1"}
RANK = {r: i for i, r in enumerate(STAFF_ROLES)}


def guard_of(dependant) -> tuple[str | None, tuple[str, ...]] | None:
    """(min staff role, device roles) from the route's require_* dependencies."""
    for dep in dependant.dependencies:
        name = getattr(dep.call, "__qualname__", "")
        if name.split(".")[0] in ("require_staff", "require_device", "require_staff_or_device"):
            env = inspect.getclosurevars(dep.call).nonlocals
            return env.get("min_role"), tuple(env.get("roles", ()))
        found = guard_of(dep)
        if found:
            return found
    return None


def all_routes(app) -> list[tuple[str, str, object]]:
    out = []
    for ctx in iter_route_contexts(app.routes):
        route, path = ctx.original_route, ctx.path
        if isinstance(route, Mount):
            out.append(("MOUNT", path, route))
        elif isinstance(route, APIWebSocketRoute):
            out.append(("WS", path, route))
        else:
            for method in sorted(getattr(route, "methods", None) or ()):
                if method != "HEAD":
                    out.append((method, path, route))
    return out


def admits(who: str, guard: tuple[str | None, tuple[str, ...]]) -> bool:
    min_staff, devices = guard
    if who in RANK:
        return min_staff is not None and RANK[who] >= RANK[min_staff]
    return who in devices


def fill(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PARAMS.get(m.group(1), "1"), path)


def test_every_route_refuses_anonymous_and_wrong_roles(web_app):
    client, headers = web_app
    routes = all_routes(client.app)
    assert len(routes) > 30                                       # really the whole app
    assert sum(p.startswith("/api/v1/lockers") for _, p, _ in routes) >= 16   # issue 6: every locker route
    seen = {(m, p) for m, p, _ in routes}
    assert not set(PUBLIC) - seen - {("MOUNT", "/web/static")}, "stale PUBLIC entries"
    unguarded, problems, checked = [], [], 0
    for method, path, route in routes:
        key = (method, path)
        if key in PUBLIC:
            continue
        guard = HANDLER_GUARDED.get(key) or (guard_of(route.dependant) if hasattr(route, "dependant") else None)
        if guard is None:
            unguarded.append(key)
            continue
        url = fill(path)

        def call(h: dict | None):
            return client.request(method, url, headers=h or {}, json={} if method in ("POST", "PUT", "PATCH") else None,
                                  follow_redirects=False)

        for label, h in (("anonymous", None), ("bad token", {"Authorization": "Bearer st_nope"}),
                         ("bad key", {"Authorization": "Bearer dk_nope"})):
            if (status := call(h).status_code) != 401:
                problems.append(f"{method} {path} as {label}: {status}, expected 401")
        for who in (*STAFF_ROLES, *DEVICE_ROLES):
            allowed = admits(who, guard) and not (who in DEVICE_ROLES and bank_bound(path))
            if allowed and key in NO_ALLOWED_CALL:
                continue
            status = call(headers[who]).status_code
            if allowed and status in (401, 403):
                problems.append(f"{method} {path} as {who}: {status}, should be admitted")
            if not allowed and status != 403:
                problems.append(f"{method} {path} as {who}: {status}, expected 403")
        checked += 1
    assert not unguarded, f"routes with no role check and not listed as public: {unguarded}"
    assert not problems, "\n".join(problems)
    assert checked >= 20


def test_public_routes_really_are_public(web_app):
    client, _ = web_app
    for (method, path), why in PUBLIC.items():
        if method == "GET" and "{" not in path:
            assert client.get(path, params=QUERY.get(path)).status_code == 200, (path, why)
    assert client.get("/web/static/display.js").status_code == 200
    assert client.get("/api/v1/services/land").status_code == 200
    with client.websocket_connect("/api/v1/events") as ws:
        assert ws.receive_json()["type"] == "hello"


@pytest.mark.parametrize("path, who, status, marker", [
    ("/console", None, 401, 'name="password"'),          # sign-in form, not a blank error
    ("/console", "kiosk", 403, "không có quyền"),
    ("/console", "officer", 200, 'id="act-call"'),
    ("/dashboard", "officer", 403, "không có quyền"),
    ("/dashboard", "supervisor", 200, 'id="alerts"'),
    ("/display", None, 401, 'name="token"'),             # device-key form
    ("/display", "display", 200, 'id="now-number"'),
    ("/rate/5", "officer", 403, "không có quyền"),
    ("/rate/5", "rating", 200, 'data-level="dissatisfied"'),
])
def test_pages_answer_people_in_html(web_app, path, who, status, marker):
    client, headers = web_app
    token = headers[who]["Authorization"][7:] if who else None
    client.cookies.clear()
    if token and token.startswith("st_"):  # staff: the session cookie /login sets (never a URL)
        client.cookies.set("motcua_token", token)
        token = None
    r = client.get(path + (f"?token={token}" if token else ""))
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert marker in r.text


def test_demo_accounts_open_every_page(web_app):
    from bench.demo.accounts import DEMO_PASSWORD, demo_accounts, page_lines
    client, _ = web_app
    keys = demo_accounts(client.app.state.store)
    lines = page_lines("http://testserver", keys)
    urls = [next(w for w in line.split() if w.startswith("http")) for line in lines]
    assert [u.split("/")[3].split("?")[0] for u in urls] == ["console", "display", "rate", "dashboard"]
    assert client.get(urls[1]).status_code == 200 and client.get(urls[2]).status_code == 200
    for user, url in (("canbo5", urls[0]), ("giamsat", urls[3])):
        client.cookies.clear()
        form = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        r = client.post("/login", data={"username": user, "password": DEMO_PASSWORD, "next": url[17:], "csrf": csrf})
        assert r.status_code == 200 and "/login" not in str(r.url), (user, r.status_code)
