"""The kiosk's only way to the queue server: HTTP with a device key and timeouts.

Every call raises one of three errors, so the controller can decide what the
citizen sees: ``Unreachable`` (no answer in time, connection refused, 5xx —
retry later, same Idempotency-Key), ``NotFound`` (the server answered 404 for
a known thing), ``NotAvailable`` (the server has no such endpoint yet) and
``Refused`` (4xx with the server's code and message).
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx


class ApiError(Exception):
    def __init__(self, message: str, *, status: int = 0, code: str = ""):
        self.status, self.code, self.message = status, code, message
        super().__init__(message)


class Unreachable(ApiError):
    """No usable answer: timeout, refused connection, or a server-side (5xx) error."""


class NotFound(ApiError):
    """The server knows the endpoint and says the thing does not exist."""


class NotAvailable(ApiError):
    """The server has no such endpoint (feature not installed on this server)."""


class Refused(ApiError):
    """A 4xx answer with the server's error code (bad request, closed, limit reached…)."""


class ServerClient:
    def __init__(self, base_url: str, device_key: str = "", *, timeout: float = 5.0,
                 transport: httpx.BaseTransport | None = None):
        headers = {"Accept": "application/json", "User-Agent": "motcua-kiosk/0.1"}
        if device_key:
            headers["Authorization"] = f"Bearer {device_key}"
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._paths: list[str] | None = None
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout,
                                  transport=transport)

    def close(self) -> None:
        self._http.close()

    # -- endpoints ---------------------------------------------------------
    def services(self) -> list[dict[str, Any]]:
        data = self._call("GET", "/api/v1/services")
        return data.get("services", data) if isinstance(data, dict) else data

    def site(self) -> dict[str, Any]:
        """Site config for the kiosk (priority groups, name). {} when the server has none."""
        try:
            data = self._call("GET", "/api/v1/site")
        except (NotAvailable, NotFound):
            return {}
        return data if isinstance(data, dict) else {}

    def issue_ticket(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return self._call("POST", "/api/v1/tickets", json=payload,
                          headers={"Idempotency-Key": idempotency_key})

    def check_in(self, code: str) -> dict[str, Any]:
        """Check in an online booking: the ticket, ordered from the slot start if on time."""
        return self._call("POST", f"/api/v1/appointments/{quote(code, safe='')}/check-in")

    def ticket(self, ticket_id: str | int) -> dict[str, Any]:
        """A ticket by id, or by the link token a scanned ticket QR carries (`{base}/t/{token}`)."""
        ref = str(ticket_id)
        if ref.isdigit():
            return self._call("GET", f"/api/v1/tickets/{ref}")
        return self._call("GET", f"/api/v1/t/{quote(ref, safe='')}")

    def dossier(self, code: str) -> dict[str, Any]:
        try:
            return self._call("GET", f"/api/v1/dossiers/{quote(code, safe='')}")
        except NotFound:
            # A server without the dossier feature answers 404 too: ask its OpenAPI which it is.
            if not self.has_path("/api/v1/dossiers/"):
                raise NotAvailable("GET /api/v1/dossiers/{code}: not available on this server", status=404) from None
            raise

    def has_path(self, prefix: str) -> bool:
        if self._paths is None:
            try:
                self._paths = list(self._call("GET", "/openapi.json").get("paths", {}))
            except ApiError:
                return True   # cannot tell: keep the server's own answer
        return any(p.startswith(prefix) for p in self._paths)

    def procedures(self, service: str) -> list[dict[str, Any]]:
        data = self._call("GET", f"/api/v1/services/{quote(service, safe='')}/procedures")
        return data.get("procedures", []) if isinstance(data, dict) else data

    def report_health(self, components: dict[str, dict[str, str]]) -> None:
        """``{"printer": {"status": "ok"|"warning"|"error", "detail": "paper_out"}}``."""
        self._call("POST", "/api/v1/devices/health", json={"components": components})

    # -- plumbing ----------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise Unreachable(f"{method} {path}: no answer within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise Unreachable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise Unreachable(f"{method} {path}: server error {response.status_code}",
                              status=response.status_code)
        if response.status_code == 204:
            return {}
        try:
            body = response.json()
        except (json.JSONDecodeError, ValueError):
            body = None
        if response.status_code < 400:
            if body is None:
                raise Unreachable(f"{method} {path}: answer is not JSON", status=response.status_code)
            return body
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code", "") if isinstance(error, dict) else ""
        message = error.get("message", "") if isinstance(error, dict) else str(body)
        if response.status_code in (404, 405, 501) and not isinstance(error, dict):
            # FastAPI's own {"detail": "Not Found"}: the route does not exist on this server.
            raise NotAvailable(f"{method} {path}: not available on this server", status=response.status_code)
        if response.status_code == 404:
            raise NotFound(message or "not found", status=404, code=code)
        raise Refused(message or f"HTTP {response.status_code}", status=response.status_code, code=code)
