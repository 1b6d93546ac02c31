"""Schemathesis over the whole OpenAPI of a real server: no request gets a 5xx, and every
status that comes back is one the operation declares.

Every operation, as an anonymous caller, a kiosk, an officer and a supervisor;
values come from the published schema and past its bounds (the run is bounded:
a few examples per operation and caller). `motcua bench reliability` runs more.
"""
from __future__ import annotations

from bench.fuzz import CALLERS, fuzz


def test_no_generated_request_gets_a_server_error(live_server):
    out = fuzz(live_server, max_examples=8)
    assert out["operations"] >= 50 and out["callers"] == list(CALLERS)
    assert out["requests"] >= 1000
    assert out["server_errors"] == [], out["server_errors"][:5]
    assert out["undocumented_statuses"] == []  # every status returned is declared in /openapi.json
    assert sum(n for status, n in out["statuses"].items() if status < 300) >= 100  # not all refused
