"""The HTTP edge: what a request body may be before any route reads it.

A plain ASGI middleware (no per-request task or copy): it looks at the headers of
requests that carry a body. Bodies over `MAX_BODY` get 413 before they are read (a
10 MB JSON was parsed in full before); API bodies that are not JSON get 415 (a
form or text/plain post must not be read as JSON, nor slip past a CORS preflight).
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

import orjson

from queue_server.errors import error_body

MAX_BODY = 1024 * 1024
Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]


async def _refuse(send: Callable, status: int, code: str, vi: str, en: str) -> None:
    body = orjson.dumps(error_body(code, f"{vi} / {en}"))
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _is_json(content_type: bytes) -> bool:
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))


class BodyLimits:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        length, chunked, content_type = None, False, b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = int(value) if value.isdigit() else -1
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"content-type":
                content_type = value
        if length is not None and (length < 0 or length > self.max_body):
            return await _refuse(send, 413, "payload_too_large", "Dữ liệu gửi lên quá lớn",
                                 f"Request body too large (at most {self.max_body} bytes)")
        has_body = chunked or (length or 0) > 0
        if has_body and scope["path"].startswith("/api/") and not _is_json(content_type):
            return await _refuse(send, 415, "unsupported_media_type", "Dữ liệu phải ở dạng JSON",
                                 "Content-Type must be application/json")
        if chunked and length is None:  # no length announced: read it here, up to the cap
            chunks, size, more = [], 0, True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                more = message.get("more_body", False)
                if size > self.max_body:
                    return await _refuse(send, 413, "payload_too_large", "Dữ liệu gửi lên quá lớn",
                                         f"Request body too large (at most {self.max_body} bytes)")
            body, replayed = b"".join(chunks), False

            async def replay() -> dict:
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await self.app(scope, replay, send)
        return await self.app(scope, receive, send)


# -- every response: what a browser may do with it --------------------------------------------
# Scripts only from the box's own files (no inline script: a value that slipped into a page
# cannot run), no framing (clickjacking of the console), no MIME sniffing, and no Referer to
# other sites (a display's URL carries its device key). Not "no-referrer": with it Chromium
# sends `Origin: null` on our own form posts, and the sign-in form checks its origin.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)
        await self.app(scope, receive, with_headers)
