"""The published OpenAPI says who may call what and every error a call can get.

FastAPI documents only a route's success and 422. Here every operation also lists
the statuses the edge and the guards give (413/415 for bodies, 401/403 for guarded
routes, 404/409/429 ...) with the one error shape, and carries its security
requirement: a bearer token (staff session or device key), the staff pages' cookie,
or a device key in `?token=` (reads only).
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string", "examples": ["not_found"]},
                   "message": {"type": "string", "description": "Vietnamese / English"}}}}}
SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "staff session token (POST /api/v1/auth/login) or a device key (dk_…)"},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "motcua_token",
                      "description": "the staff pages' HttpOnly session (same-origin requests only)"},
    "deviceKeyQuery": {"type": "apiKey", "in": "query", "name": "token",
                       "description": "a display's or tablet's device key; GET requests only"},
}
TEXT = {"400": "Bad request", "401": "No or invalid credential", "403": "Credential without the needed role",
        "404": "Not found", "409": "Refused by a rule (state, cap, hours…)", "413": "Body over 1 MB",
        "415": "Body is not application/json", "422": "Invalid input", "429": "Too many requests"}
# Guarded inside the handler (hot path, or any principal) instead of by a require_* dependency.
HAND_GUARDED = {("post", "/api/v1/tickets"), ("get", "/api/v1/auth/me")}
EXTRA = {("post", "/api/v1/auth/login"): ["401"]}  # wrong name or password


def _guarded(route: APIRoute) -> bool:
    def walk(dependant) -> bool:
        for dep in dependant.dependencies:
            name = getattr(dep.call, "__qualname__", "") or ""
            if name.split(".")[0] in ("require_staff", "require_device", "require_staff_or_device"):
                return True
            if walk(dep):
                return True
        return False
    return walk(route.dependant)


def install(app: FastAPI) -> None:
    guarded = set(HAND_GUARDED)
    for ctx in iter_route_contexts(app.routes):  # included routers flattened
        route = ctx.original_route
        if isinstance(route, APIRoute) and _guarded(route):
            guarded |= {(m.lower(), ctx.path) for m in route.methods}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = FastAPI.openapi(app)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Error"] = ERROR
        components["securitySchemes"] = SCHEMES
        for path, item in schema.get("paths", {}).items():
            for method, op in item.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                codes = ["404", "409", "422", "429"]
                if "requestBody" in op or method in ("post", "put", "patch"):
                    codes += ["400", "413", "415"]
                codes += EXTRA.get((method, path), [])
                if (method, path) in guarded:
                    codes += ["401", "403"]
                    op["security"] = [{"bearer": []}, {"sessionCookie": []}] + \
                        ([{"deviceKeyQuery": []}] if method == "get" else [])
                else:
                    op["security"] = [{}, {"bearer": []}]
                for code in codes:  # 422 too: FastAPI's own 422 schema is not what errors.py sends
                    op["responses"][code] = {"description": TEXT[code], "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
