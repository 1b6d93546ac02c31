"""One error shape everywhere: {"error": {"code", "message"}}, message Vietnamese / English."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class RuleError(Exception):
    """A rule refused a change. Rule modules raise this (no HTTP there); `STATUS` below is the
    one place that maps its `code` to an HTTP status (409 when not listed)."""

    def __init__(self, code: str, vi: str, en: str):
        self.code, self.vi, self.en = code, vi, en
        super().__init__(f"{code}: {en}")

    @property
    def message(self) -> str:
        return f"{self.vi} / {self.en}"


class ApiError(RuleError):
    """Raised by routes and guards, which speak HTTP: the status travels with the error."""

    def __init__(self, status: int, code: str, vi: str, en: str, headers: dict | None = None):
        super().__init__(code, vi, en)
        self.status, self.headers = status, headers


STATUS = {
    "not_found": 404, "unknown_service": 404, "unknown_counter": 404,
    "invalid_state": 409, "counter_paused": 409, "outside_hours": 409,
    "daily_cap_reached": 409, "idempotency_mismatch": 409, "counter_taken": 409,
    "current_not_started": 409, "not_ready": 409, "already_deposited": 409,
    "no_free_compartment": 409, "in_locker": 409,
    "unknown_priority_group": 422, "validation_error": 422, "invalid_code": 422,
    "unauthenticated": 401, "forbidden": 403, "rate_limited": 429,
}
HTTP_TEXT = {
    400: ("Yêu cầu không hợp lệ", "Bad request"), 401: ("Cần đăng nhập", "Authentication required"),
    403: ("Không có quyền", "Forbidden"), 404: ("Không tìm thấy", "Not found"),
    405: ("Phương thức không được hỗ trợ", "Method not allowed"),
    429: ("Quá nhiều yêu cầu", "Too many requests"), 500: ("Lỗi máy chủ", "Server error"),
}


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",)) or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "Dữ liệu gửi lên không hợp lệ / Invalid request: " + "; ".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(RuleError)
    async def rule_error(request: Request, exc: RuleError) -> JSONResponse:
        status = getattr(exc, "status", None) or STATUS.get(exc.code, 409)
        return JSONResponse(error_body(exc.code, exc.message), status_code=status,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body("validation_error", _validation_message(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        vi, en = HTTP_TEXT.get(exc.status_code, ("Lỗi", "Error"))
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in (en,) else ""
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated",
                403: "forbidden"}.get(exc.status_code, f"http_{exc.status_code}")
        message = f"{vi} / {en}" + (f": {detail}" if detail and detail != "Not Found" else "")
        return JSONResponse(error_body(code, message), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))
