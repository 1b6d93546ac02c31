"""`motcua bench soak`: a working day in accelerated time, watching the server's memory.

A real `motcua serve` runs with `--clock-start 07:30 --clock-rate R` (R simulated seconds
per real second). 3 kiosks issue tickets, 20 officers at 20 counters call, start and
finish them with service times in simulated minutes, and hall displays listen on
`WS /api/v1/events`. Every simulated hour the bench reads the server's RSS and asks it
(SIGUSR1, `MOTCUA_MEMPROBE`) for its Python heap, SQLite's allocations, its open SQLite
connections and threads. At the end: did every display see every call, in order?
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench.live_server import PASSWORD, LiveServer
from queue_server.cli.memprobe import rss_kb
from queue_server.config import DEFAULT_CONFIG

START = "2026-11-23T07:30:00+07:00"   # a Monday
KIOSKS, COUNTERS, DISPLAYS = 3, 20, 3
SERVICES = ("land", "land", "civil", "civil", "business", "tax", "transport", "labour", "health",
            "construction", "education")
EXTRA_COUNTERS = {str(n): s for n, s in zip(range(15, 21), (["land"], ["civil"], ["business", "tax"],
                                                            ["transport", "labour"], ["health", "education"],
                                                            ["construction", "land"]))}


def site_with_20_counters(folder: Path) -> Path:
    """The sample center plus counters 15–20 (it has 14)."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    for code, services in EXTRA_COUNTERS.items():
        text += f'\n[[counters]]\ncode = "{code}"\nname = "Quầy {code}"\nservices = {json.dumps(services)}\n'
    path = folder / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Day:
    rate: float
    hours: float
    issue_every_min: float          # per kiosk, simulated minutes
    service_min: tuple[float, float]
    lunch: tuple[float, float] = (3.75, 5.75)   # simulated hours after 07:30 with no one at the kiosks or counters
    seed: int = 15
    t0: float = 0.0
    drain_s: float = 0.0
    workers_done: asyncio.Event = field(default_factory=asyncio.Event)
    issued: int = 0
    refused: int = 0
    errors: int = 0
    calls: dict[str, list[int]] = field(default_factory=dict)      # counter -> ticket ids, in order
    seen: list[list[tuple[int, int, str]]] = field(default_factory=list)  # display -> (seq, id, counter)
    display_closed: list[Any] = field(default_factory=list)

    def sim_sleep(self, minutes: float) -> "asyncio.Future":
        return asyncio.sleep(minutes * 60 / self.rate)

    async def not_at_lunch(self) -> None:
        """11:15–13:15: the hall is empty (and the server's worker threads idle long enough to end)."""
        hour = (time.monotonic() - self.t0) * self.rate / 3600
        if self.lunch[0] <= hour < self.lunch[1]:
            await asyncio.sleep((self.lunch[1] - hour) * 3600 / self.rate)


async def kiosk(day: Day, live: LiveServer, key: str, n: int, stop: asyncio.Event) -> None:
    rng = random.Random(day.seed + n)
    async with httpx.AsyncClient(base_url=live.base_url, headers={"Authorization": f"Bearer {key}"},
                                 timeout=30) as client:
        while not stop.is_set():
            await day.not_at_lunch()
            body = {"service": rng.choice(SERVICES)}
            if rng.random() < 0.1:
                body["priority"] = "elderly"
            try:
                r = await client.post("/api/v1/tickets", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
                if r.status_code == 201:
                    day.issued += 1
                else:
                    day.refused += 1
            except httpx.HTTPError:
                day.errors += 1
            await day.sim_sleep(rng.expovariate(1 / day.issue_every_min))


async def counter(day: Day, live: LiveServer, code: str, stop: asyncio.Event) -> None:
    rng = random.Random(day.seed * 100 + int(code))
    mine = day.calls.setdefault(code, [])
    async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as client:
        r = await client.post("/api/v1/auth/login", json={"username": f"soak{code}", "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {r.json()['token']}"
        await client.post(f"/api/v1/counters/{code}/sign-in")
        while not stop.is_set():
            await day.not_at_lunch()
            try:
                r = await client.post(f"/api/v1/counters/{code}/call-next", json={})
                if r.status_code != 200:
                    await day.sim_sleep(1)   # nobody waiting for this counter
                    continue
                tid = r.json()["id"]
                mine.append(tid)
                await day.sim_sleep(0.5)     # the citizen walks to the counter
                await client.post(f"/api/v1/tickets/{tid}/start")
                await day.sim_sleep(rng.uniform(*day.service_min))
                await client.post(f"/api/v1/tickets/{tid}/finish")
            except httpx.HTTPError:
                day.errors += 1


async def display(day: Day, live: LiveServer, n: int, ready: asyncio.Event, stop: asyncio.Event) -> None:
    """A hall display: hears calls until the day ends (never cancels a read: it reads to the close)."""
    seen: list[tuple[int, int, str]] = []
    day.seen.append(seen)
    url = live.ws_url + "?types=ticket.called"
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {live.display_key}"},
                                  max_queue=None) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"
        ready.set()
        closer = asyncio.ensure_future(_close_when(day, stop, ws, seen))
        try:
            async for raw in ws:
                msg = json.loads(raw)
                try:
                    seen.append((msg["seq"], msg["ticket"]["id"], msg["counter"]))
                except (KeyError, TypeError):
                    day.display_closed.append(f"unexpected frame: {str(msg)[:300]}")
        except websockets.ConnectionClosed as exc:
            day.display_closed.append(str(exc))
        if not stop.is_set():
            day.display_closed.append(f"display {n}: the server closed the socket ({ws.close_code})")
        closer.cancel()


async def _close_when(day: Day, stop: asyncio.Event, ws: Any, seen: list, deadline_s: float = 60.0) -> None:
    """Once the day is over, close when this display has heard every call the counters were
    answered (a busy server delivers late, not never), or after `deadline_s`."""
    await stop.wait()
    await day.workers_done.wait()
    called = {tid for ids in day.calls.values() for tid in ids}
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and not called <= {tid for _, tid, _ in seen}:
        await asyncio.sleep(0.1)
    await ws.close()


def probe(live: LiveServer, probe_file: Path, label: str, sim_hour: float) -> dict[str, Any]:
    before = probe_file.read_text().count("\n") if probe_file.exists() else 0
    live.proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lines = probe_file.read_text().splitlines() if probe_file.exists() else []
        if len(lines) > before:
            out = json.loads(lines[-1])
            return {"at": label, "sim_hour": round(sim_hour, 2), "rss_mb": round(rss_kb(str(live.proc.pid)) / 1024, 1),
                    **{k: v for k, v in out.items() if k != "t"}}
        time.sleep(0.05)
    return {"at": label, "sim_hour": round(sim_hour, 2), "rss_mb": round(rss_kb(str(live.proc.pid)) / 1024, 1)}


async def run_day(day: Day, live: LiveServer, kiosk_keys: list[str], probe_file: Path) -> list[dict[str, Any]]:
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in range(DISPLAYS)]
    displays = [asyncio.ensure_future(display(day, live, n, readies[n], stop)) for n in range(DISPLAYS)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 30)
    samples = [await asyncio.to_thread(probe, live, probe_file, "start", 0.0)]
    t0 = day.t0 = time.monotonic()
    workers = [asyncio.ensure_future(kiosk(day, live, key, n, stop)) for n, key in enumerate(kiosk_keys)]
    workers += [asyncio.ensure_future(counter(day, live, str(c), stop)) for c in range(1, COUNTERS + 1)]
    hour_s = 3600 / day.rate
    for h in range(1, int(day.hours) + 1):
        await asyncio.sleep(max(0.0, t0 + h * hour_s - time.monotonic()))
        samples.append(await asyncio.to_thread(probe, live, probe_file, f"hour {h}", h))
    stop.set()
    stopped = time.monotonic()
    await asyncio.gather(*workers, return_exceptions=True)
    day.workers_done.set()
    for failed in await asyncio.gather(*displays, return_exceptions=True):
        if isinstance(failed, BaseException):
            day.display_closed.append(repr(failed))
    day.drain_s = round(time.monotonic() - stopped, 1)   # from the end of the day to the last call heard
    await asyncio.sleep(2.5)   # idle: what the server keeps once the load is gone
    samples.append(await asyncio.to_thread(probe, live, probe_file, "end (idle)", (time.monotonic() - t0) / hour_s))
    return samples


def consistency(day: Day) -> dict[str, Any]:
    """Every display saw every call exactly once, in the server's order and each counter's own order."""
    called = {tid for ids in day.calls.values() for tid in ids}
    out = {"calls": len(called), "displays": []}
    reference = None
    for seen in day.seen:
        ids = [tid for _, tid, _ in seen]
        per_counter: dict[str, list[int]] = {}
        for _, tid, c in seen:
            per_counter.setdefault(c, []).append(tid)
        report = {"received": len(seen), "missing": len(called - set(ids)), "extra": len(set(ids) - called),
                  "duplicates": len(ids) - len(set(ids)),
                  "seq_increasing": all(a[0] < b[0] for a, b in zip(seen, seen[1:])),
                  "counter_order_kept": all(per_counter.get(c, []) == ids_ for c, ids_ in day.calls.items() if ids_)}
        report["same_as_first_display"] = reference is None or ids == reference
        reference = reference if reference is not None else ids
        out["displays"].append(report)
    out["consistent"] = bool(day.seen) and all(
        d["missing"] == 0 and d["extra"] == 0 and d["duplicates"] == 0 and d["seq_increasing"]
        and d["counter_order_kept"] and d["same_as_first_display"] for d in out["displays"]) \
        and not day.display_closed
    out["display_closed"] = day.display_closed
    return out


def soak(workdir: Path, rate: float = 240, hours: float = 8, issue_every_min: float = 1.0,
         service_min: tuple[float, float] = (2, 8), lunch: tuple[float, float] = (3.75, 5.75)) -> dict[str, Any]:
    """Run the day; returns samples, growth and consistency (JSON-ready)."""
    from queue_server.auth.accounts import add_device, add_user
    from queue_server.cli.serve import open_store
    workdir.mkdir(parents=True, exist_ok=True)
    live = LiveServer(workdir, config_path=site_with_20_counters(workdir), clock_start=START,
                      open_all_hours=True, extra_args=("--clock-rate", str(rate)))
    store = open_store(live.db_path)
    try:
        kiosk_keys = [add_device(store, f"kiosk-{n}", "kiosk") for n in range(1, KIOSKS + 1)]
        for c in range(1, COUNTERS + 1):
            add_user(store, f"soak{c}", "officer", PASSWORD)
    finally:
        store.close()
    probe_file = workdir / "memprobe.jsonl"
    saved = os.environ.get("MOTCUA_MEMPROBE")
    os.environ["MOTCUA_MEMPROBE"] = str(probe_file)
    try:
        live.start()
    finally:
        os.environ.pop("MOTCUA_MEMPROBE") if saved is None else os.environ.__setitem__("MOTCUA_MEMPROBE", saved)
    day = Day(rate=rate, hours=hours, issue_every_min=issue_every_min, service_min=service_min, lunch=lunch)
    started = time.monotonic()
    try:
        samples = asyncio.run(run_day(day, live, kiosk_keys, probe_file))
    finally:
        live.stop()
    first, peak, last = samples[0], max(samples, key=lambda s: s["rss_mb"]), samples[-1]
    hourly = [s for s in samples if s["at"].startswith("hour")]
    second_half = hourly[len(hourly) // 2:]
    return {"rate": rate, "simulated_hours": hours, "seconds": round(time.monotonic() - started, 1),
            "kiosks": KIOSKS, "counters": COUNTERS, "displays": DISPLAYS,
            "issued": day.issued, "refused": day.refused, "client_errors": day.errors,
            "called": sum(len(v) for v in day.calls.values()),
            "rss_start_mb": first["rss_mb"], "rss_peak_mb": peak["rss_mb"], "rss_end_mb": last["rss_mb"],
            "growth_mb": round(last["rss_mb"] - first["rss_mb"], 1),
            "growth_second_half_mb": round(second_half[-1]["rss_mb"] - second_half[0]["rss_mb"], 1)
            if len(second_half) > 1 else None,
            "samples": samples, "websocket": {**consistency(day), "drain_s": day.drain_s,
                                              "max_backlog": max((max(s.get("ws_backlog") or [0]) for s in samples))}}


def write_section(result: dict[str, Any], doc: Path) -> None:
    """Replace the soak section of docs/reliability.md (the rest is `motcua bench reliability`'s)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Reliability\n"
    head = text.split("\n## Soak", 1)[0].rstrip("\n")
    head = head.replace(" Not covered yet: the 8-hour soak of issue 11.", "")
    lines = ["", "## Soak: a working day in accelerated time", "",
             "Written by `motcua bench soak` (bench/soak.py). A real server with `--clock-rate "
             f"{result['rate']:g}` lives {result['simulated_hours']:g} simulated hours in {result['seconds']} s: "
             f"{result['kiosks']} kiosks issued {result['issued']} tickets, {result['counters']} officers "
             f"called {result['called']}, {result['displays']} displays listened on the WebSocket. "
             "Memory read every simulated hour (`MOTCUA_MEMPROBE`, tracemalloc on).", "",
             "| when | RSS MB | Python heap MB | SQLite MB | SQLite connections | threads |",
             "|---|---|---|---|---|---|"]
    for s in result["samples"]:
        lines.append(f"| {s['at']} | {s['rss_mb']} | {s.get('py_traced_kb', 0) / 1024:.1f} | "
                     f"{s.get('sqlite_kb', 0) / 1024:.1f} | {s.get('sqlite_conns', '')} | {s.get('threads', '')} |")
    ws = result["websocket"]
    lines += ["", f"**RSS {result['rss_start_mb']} → {result['rss_end_mb']} MB** (peak {result['rss_peak_mb']}); "
              f"second half of the day: {result['growth_second_half_mb']:+} MB. WebSocket: "
              f"{'consistent' if ws['consistent'] else 'INCONSISTENT'} — each of {len(ws['displays'])} displays "
              f"received {', '.join(str(d['received']) for d in ws['displays'])} of {ws['calls']} calls, "
              f"missing {sum(d['missing'] for d in ws['displays'])}, duplicated "
              f"{sum(d['duplicates'] for d in ws['displays'])}, "
              + ("every display in the same order as the others and in each counter's own order"
                 if all(d["same_as_first_display"] and d["counter_order_kept"] for d in ws["displays"])
                 else "ORDER DIFFERS") +
              f". Largest backlog waiting for one display socket: {ws['max_backlog']} events; the last call "
              f"reached every display {ws['drain_s']} s after the day ended."]
    doc.write_text(head + "\n" + "\n".join(lines) + "\n" + NOTES, encoding="utf-8")


NOTES = """
### Is it a leak? (the 6-minute run that grew 80 → 126 MB)

No, not any more. What grew, measured with `MOTCUA_MEMPROBE` (tracemalloc snapshots, SQLite's
`sqlite3_memory_used()`, connections, threads) on the same 8-hour day before the fixes:

- **The first hour's step (~18 MB) is the thread pool warming up, and it is bounded.** Sync routes
  run on anyio's worker threads: 3 → 23 threads in the first simulated hour, each with its own
  SQLite connection (SQLite's own memory 0.6 → 4.8 MB: page caches, at most 2 MB each with the
  default `cache_size`), its stack pages and its glibc malloc arena (the rest). The pool is capped
  (40 threads), so this plateaus; RSS does not come back down because glibc keeps freed arena memory.
- **A real pile-up, fixed:** the credential cache (`accounts.lookup`) kept one memo entry per secret
  *and 10-second bucket*, so entries piled up until `Memo.MAX_ENTRIES` (10,000) and the whole memo was
  wiped. Before: Python heap 5.4 → 10.4 MB over the day and still climbing, RSS +5.1 MB in the second
  half (95.6 → 127.4 MB in all). Now one entry per secret (`Memo.get_stamped`): heap flat at 7–8 MB,
  RSS growth in the second half under 1 MB (table above).
- **A latent leak, fixed:** every connection a retired worker thread had opened stayed open in
  `Store._conns` (with its page cache) for the life of the server; a new connection now closes those
  of threads that have ended (`tests/server/test_store.py`).
- **WebSocket cost per message, fixed:** an open socket re-checked its credential (a hash and, on a
  cache miss, a query on the event loop) after *every* event; now every `RECHECK_S` (2 s). Under the
  accelerated load a display still lags the event stream by a few hundred events at peak (every
  event is queued for it; the type filter runs in the socket's loop), but loses none.

The short version is `tests/server/test_soak.py` (3 simulated hours with a lunch break, ~60 s).
"""


def run_bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="motcua-soak-") as tmp:
        result = soak(Path(tmp), rate=args.rate, hours=args.hours, issue_every_min=args.issue_every)
    if args.out:
        write_section(result, Path(args.out))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["websocket"]["consistent"] and not result["client_errors"] else 1


def register(bench: argparse._SubParsersAction) -> None:
    from bench.reliability import DOC
    p = bench.add_parser("soak", help="a simulated working day: server memory per hour, WebSocket consistency (JSON)")
    p.add_argument("--hours", type=float, default=8, help="simulated hours")
    p.add_argument("--rate", type=float, default=240, help="simulated seconds per real second")
    p.add_argument("--issue-every", type=float, default=1.0, help="mean simulated minutes between tickets, per kiosk")
    p.add_argument("--out", default=str(DOC), help="the report whose soak section is rewritten ('' for none)")
    p.set_defaults(func=run_bench)
