"""Memory diagnostics behind an env var: `MOTCUA_MEMPROBE=FILE motcua serve …`, then each
SIGUSR1 appends one JSON line to FILE: RSS, the Python heap (tracemalloc, started here),
SQLite's own allocations (its page caches: invisible to tracemalloc), open SQLite
connections, threads, live objects, and the allocation sites that grew most since the
first probe. Off by default: tracemalloc costs ~30 % CPU.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import json
import signal
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

FRAMES = 3
TOP = 12


def rss_kb(pid: str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _sqlite_memory() -> Any:
    """sqlite3_memory_used() of the library the sqlite3 module is linked to (same soname)."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
        lib.sqlite3_memory_used.restype = ctypes.c_int64
        return lib.sqlite3_memory_used
    except (OSError, AttributeError):
        return lambda: -1


def _socket_tasks(loop: Any) -> list[str]:
    """Where each WebSocket handler is waiting (a stuck one shows here)."""
    import asyncio
    out = []
    for task in asyncio.all_tasks(loop) if loop else ():
        frames = task.get_stack(limit=3)
        if frames and frames[0].f_code.co_name == "events":
            out.append(" > ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in frames))
    return out


def install(app: Any, path: Path) -> None:
    tracemalloc.start(FRAMES)
    sqlite_used = _sqlite_memory()
    baseline: list[tracemalloc.Snapshot] = []

    def probe(*_: Any) -> None:
        snap = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__),))
        if not baseline:
            baseline.append(snap)
        grew = [s for s in snap.compare_to(baseline[0], "traceback")[:TOP] if s.size_diff > 0]
        traced, peak = tracemalloc.get_traced_memory()
        store = app.state.store
        line = {"t": time.time(), "rss_kb": rss_kb(), "py_traced_kb": traced // 1024, "py_peak_kb": peak // 1024,
                "sqlite_kb": sqlite_used() // 1024, "sqlite_conns": len(store._conns),
                "threads": threading.active_count(), "gc_objects": len(gc.get_objects()),
                "ws_subscribers": app.state.bus.subscribers,
                "ws_backlog": [q.qsize() for q in list(app.state.bus._subs)], "bus_seq": app.state.bus.seq,
                "ws_tasks": _socket_tasks(app.state.bus.loop),
                "grew": [{"kb": s.size_diff // 1024, "count": s.count_diff,
                          "at": [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in s.traceback]}
                         for s in grew]}
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")

    signal.signal(signal.SIGUSR1, probe)
