"""Schemathesis over the whole OpenAPI of a running server, with each kind of caller.

`fuzz(live, max_examples)` generates requests for every operation from the
published schema (paths, queries, bodies, including out-of-range values) and
sends them as anonymous, kiosk, officer and supervisor callers. It returns what
came back: counts per status, and every 5xx with the request that caused it.
Used by tests/server/test_schemathesis.py (0 5xx) and `motcua bench reliability`.
"""
from __future__ import annotations

import collections
import time
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from bench.live_server import LiveServer

CALLERS = ("anonymous", "kiosk", "officer", "supervisor")
# Would end the session the run is using (the routes are still fuzzed anonymously).
SKIP_WITH_CREDENTIALS = {("POST", "/api/v1/auth/logout"), ("POST", "/logout")}


def fuzz(live: LiveServer, max_examples: int = 10, callers: tuple[str, ...] = CALLERS) -> dict[str, Any]:
    schema = schemathesis.openapi.from_url(live.base_url + "/openapi.json")
    statuses: collections.Counter[int] = collections.Counter()
    server_errors: list[dict[str, Any]] = []
    undocumented: set[tuple[str, str, int]] = set()
    operations = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        op = result.ok()
        operations += 1
        documented = {str(code) for code in op.definition.raw.get("responses", {})}
        for caller in callers:
            if caller != "anonymous" and (op.method.upper(), op.path) in SKIP_WITH_CREDENTIALS:
                continue
            headers = live.headers(caller) if caller != "anonymous" else {}

            @settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            @given(case=op.as_strategy())
            def send(case: Any) -> None:
                response = case.call(base_url=live.base_url, headers={**(case.headers or {}), **headers},
                                     timeout=30)
                statuses[response.status_code] += 1
                if str(response.status_code) not in documented and "default" not in documented:
                    undocumented.add((op.method.upper(), op.path, response.status_code))
                if response.status_code >= 500:
                    server_errors.append({"caller": caller, "method": op.method.upper(), "path": op.path,
                                          "status": response.status_code, "request": case.as_curl_command(),
                                          "body": response.text[:300]})
            send()
    return {"operations": operations, "callers": list(callers), "max_examples": max_examples,
            "requests": sum(statuses.values()), "seconds": round(time.monotonic() - started, 1),
            "statuses": dict(sorted(statuses.items())), "server_errors": server_errors,
            "undocumented_statuses": sorted(undocumented)}
