"""A short soak (bench/soak.py): three simulated hours with a lunch break in ~50 s of a real
server, 3 kiosks, 20 officers and 3 displays. Memory stays bounded once the day is under way
and every display hears every call, in order."""
from __future__ import annotations

from bench.soak import soak


def test_a_morning_and_lunch_keep_memory_bounded_and_displays_complete(tmp_path):
    r = soak(tmp_path, rate=240, hours=3, lunch=(1.0, 2.0))   # 07:30–10:30, hall empty 08:30–09:30
    assert r["issued"] > 60 and r["called"] > 60 and r["client_errors"] == 0
    ws = r["websocket"]
    assert ws["consistent"], ws
    assert all(d["received"] == ws["calls"] for d in ws["displays"])
    samples = {s["at"]: s for s in r["samples"]}
    warm, end = samples["hour 1"], samples["end (idle)"]
    # once every worker thread exists, the rest of the morning adds little and nothing piles up
    assert end["rss_mb"] - warm["rss_mb"] < 12, r["samples"]
    assert end["py_traced_kb"] < 16 * 1024
    assert end["sqlite_conns"] <= end["threads"] + 1   # no connection outlives its thread
    assert end["ws_subscribers"] == 0                  # closed displays leave nothing behind
