"""The simulator's HTTP side: the pull API of docs/protocols/onestop.md and a control API.

    GET  /api/dossiers/changes?cursor=…&limit=…   the feed (faults apply)
    GET  /api/dossiers/{code}                     one dossier as the province knows it
    POST /api/dossiers/{code}/result              status 10 back (faults apply)
    GET  /control/state                           counts, results received, faults, stats
    GET  /control/dossiers                        [{code, status, status_at}] of every dossier
    POST /control/dossiers                        create one {procedure?, applicant_name?, phone?, status?, ...}
    POST /control/dossiers/{code}/status          {status, at?}
    POST /control/generate                        {count, hours_back?}: a stream of history at once
    POST /control/faults                          {slow_s?, down?, fail_next?, error_rate?, garbage_next?,
                                                   malformed_rate?, malformed_next?, duplicate_rate?,
                                                   out_of_order?, results_fail_next?}
    POST /control/faults/clear
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from hardware_sim.onestop.model import MAX_LIMIT, Faults, Province, parse_iso

TICK_S = 0.2


class OneStopServer:
    def __init__(self, province: Province, host: str = "127.0.0.1", port: int = 0, key: str = ""):
        self.province, self.key = province, key
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self.httpd.daemon_threads = True
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "OneStopServer":
        for target, name in ((self.httpd.serve_forever, "onestop-http"), (self._ticker, "onestop-stream")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _ticker(self) -> None:
        while not self._stop.wait(TICK_S):
            self.province.tick()


def _handler_for(server: OneStopServer) -> type[BaseHTTPRequestHandler]:
    province = server.province

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, raw: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _reply(self, status: int, body: Any) -> None:
            self._send(status, json.dumps(body, ensure_ascii=False).encode())

        def _error(self, status: int, code: str, message: str) -> None:
            self._reply(status, {"error": {"code": code, "message": message}})

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            return json.loads(raw or b"{}")

        def _api_refused(self) -> bool:
            """Authentication, then the injected faults of the API. True: answered already."""
            if server.key and self.headers.get("Authorization", "") != f"Bearer {server.key}":
                self._error(401, "unauthenticated", "Bearer key required")
                return True
            f: Faults = province.faults
            if f.slow_s:
                time.sleep(f.slow_s)
            with province.lock:
                if f.down:
                    refused = 503
                elif f.fail_next:
                    f.fail_next -= 1
                    refused = 503
                elif f.error_rate and province.rng.random() < f.error_rate:
                    refused = 500
                else:
                    refused = 0
            if refused:
                province.stats.feed_errors += 1
                self._error(refused, "unavailable" if refused == 503 else "internal", "injected fault")
            return bool(refused)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path, query = parts.path.rstrip("/"), parse_qs(parts.query)
            if path == "/control/state":
                return self._reply(200, province.summary())
            if path == "/control/dossiers":  # every dossier's current status (tests compare copies)
                with province.lock:
                    return self._reply(200, [{"code": d["code"], "status": d["status"], "status_at": d["status_at"]}
                                             for d in province.dossiers.values()])
            if not path.startswith("/api/dossiers"):
                return self._error(404, "not_found", path)
            if self._api_refused():
                return None
            if path == "/api/dossiers/changes":
                province.stats.feed_requests += 1
                try:
                    limit = int(query.get("limit", ["100"])[0])
                    if not 1 <= limit <= MAX_LIMIT:
                        raise ValueError(f"limit must be 1..{MAX_LIMIT}")
                    page = province.changes(query.get("cursor", [None])[0], limit)
                except ValueError as exc:
                    return self._error(400, "bad_request", str(exc))
                raw = json.dumps(page, ensure_ascii=False).encode()
                with province.lock:
                    if province.faults.garbage_next:
                        province.faults.garbage_next -= 1
                        raw = raw[: max(1, len(raw) // 2)]  # a proxy cut the answer
                return self._send(200, raw)
            code = unquote(path[len("/api/dossiers/"):])
            d = province.dossiers.get(code)
            return self._reply(200, d) if d else self._error(404, "not_found", f"no dossier {code}")

        def do_POST(self) -> None:
            path = urlsplit(self.path).path.rstrip("/")
            try:
                body = self._body()
            except ValueError:
                return self._error(400, "bad_request", "body is not JSON")
            if path.startswith("/api/dossiers/") and path.endswith("/result"):
                if self._api_refused():
                    return None
                with province.lock:
                    if province.faults.results_fail_next:
                        province.faults.results_fail_next -= 1
                        return self._error(503, "unavailable", "injected fault")
                status, answer = province.accept_result(unquote(path[len("/api/dossiers/"):-len("/result")]), body)
                return self._reply(status, answer)
            try:
                return self._control(path, body)
            except KeyError as exc:
                return self._error(404, "not_found", f"no dossier {exc}")
            except (TypeError, ValueError) as exc:
                return self._error(400, "bad_request", str(exc))

        def _control(self, path: str, body: Any) -> None:
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object")
            if path == "/control/dossiers":
                known = {"procedure", "agency", "applicant_name", "phone", "email", "zalo_id", "status", "due_days"}
                unknown = set(body) - known - {"at"}
                if unknown:
                    raise ValueError(f"unknown fields {sorted(unknown)}")
                at = parse_iso(body["at"]) if body.get("at") else None
                return self._reply(201, province.create(at=at, **{k: body[k] for k in known if k in body}))
            if path.startswith("/control/dossiers/") and path.endswith("/status"):
                code = unquote(path[len("/control/dossiers/"):-len("/status")])
                at = parse_iso(body["at"]) if body.get("at") else None
                return self._reply(200, province.set_status(code, body.get("status"), at))
            if path == "/control/generate":
                count = body.get("count", 100)
                if not isinstance(count, int) or not 0 <= count <= 100_000:
                    raise ValueError("count: expected 0..100000")
                end = province.clock()
                start = end - float(body.get("hours_back", 24)) * 3600
                return self._reply(200, province.generate(count, start, end))
            if path == "/control/faults":
                with province.lock:
                    province.faults.update(**body)
                    return self._reply(200, province.faults.__dict__)
            if path == "/control/faults/clear":
                with province.lock:
                    province.faults = Faults()
                    return self._reply(200, province.faults.__dict__)
            return self._error(404, "not_found", path)

    return Handler
