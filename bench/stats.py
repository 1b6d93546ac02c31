"""`motcua bench stats`: statistics over a 90-day history of a busy center.

1. A history of `--days` days × `--per-day` tickets with their events, ratings and dossiers
   (bench/history.py), then the facts and roll-ups caught up (timed: `prepare_s`).
2. `query_p95_ms`: every breakdown (service, counter, officer, priority, channel, hour, day)
   over the whole range, as the API computes it (in the statistics worker process: facts
   refresh, roll-ups, figures, reasons, locker results), `--rounds` times each; plus the
   766 indicators (`indicators_p95_ms`).
3. `export_s`: the slowest download: XLSX by day and by officer over the whole range, the
   indicators workbook, the monthly report.
4. `issue_slowdown`: the time to issue a ticket through the real rule at `--issue-rate`
   tickets a second, alone and while whole-range breakdowns run through the worker at
   `--stats-per-s` (default 6 a second: the stats page loaded every second), mean with ÷
   mean alone − 1; `back_to_back` gives the same with breakdowns back to back (a stress
   figure). Phases of `--phase` s, the three kinds in turns.
   Commits are not synced to disk in this run (see the Store line below).
Progress goes to stderr, the JSON result to stdout.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from bench.history import generate, staffed_for, stderr_progress

TODAY = "2026-11-23"  # a Monday; the history ends the day before


def register_bench(bench: argparse._SubParsersAction) -> None:
    p = bench.add_parser("stats", help="statistics over 90 days × 1,000 tickets: query p95, export, issue slowdown")
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--per-day", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=5, help="times each breakdown is asked")
    p.add_argument("--phase", type=float, default=2.0, help="seconds per issuance phase")
    p.add_argument("--phases", type=int, default=8, help="phases of each kind (alone / paced / back to back), in turns")
    p.add_argument("--stats-per-s", type=float, default=6.0,
                   help="breakdowns a second during the measured phases (default 6: the stats page loaded "
                        "every second); back to back is measured too")
    p.add_argument("--issue-rate", type=float, default=50.0,
                   help="tickets a second offered during the slowdown phases (default 50)")
    p.add_argument("--config", default=None, help="site TOML (default: the sample site)")
    p.add_argument("--workdir", default=None, help="keep the database here (default: a temp dir)")
    p.set_defaults(func=run_bench)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def run_bench(args: argparse.Namespace) -> int:
    from queue_server.app import MIGRATIONS
    from queue_server.clock import FakeClock
    from queue_server.config import DEFAULT_CONFIG, load_site
    from queue_server.reports.stats import facts, rollup
    from queue_server.reports.stats.queries import DIMENSIONS
    from queue_server.reports.stats.worker import StatsWorker
    from queue_server.store import Store
    from queue_server.hall.tickets.rules import issue_ticket, sync_site

    work = Path(args.workdir or tempfile.mkdtemp(prefix="motcua-bench-stats-"))
    work.mkdir(parents=True, exist_ok=True)
    site = staffed_for(load_site(args.config or DEFAULT_CONFIG), args.per_day)
    # the issuance phases give thousands of numbers a day: no daily caps in this bench
    site = replace(site, services={k: replace(s, daily_cap=None) for k, s in site.services.items()})
    # Commits not synced to disk (`motcua serve --sync normal`): with a sync per ticket the
    # issuance rate is the disk's fsync time, which the other work on a shared box moves by
    # ±50 % between phases; what statistics could take from issuance is CPU and the write lock.
    store = Store(work / "stats.sqlite", MIGRATIONS, background_checkpoint=True, durable=False)
    clock = FakeClock(f"{TODAY}T08:00:00+07:00")
    sync_site(store, site, clock())
    today = date.fromisoformat(TODAY)
    first, last = today - timedelta(days=args.days), today - timedelta(days=1)
    out: dict = {"days": args.days, "per_day": args.per_day, "counters": len(site.counters)}

    t = time.perf_counter()
    made = generate(store, site, first, args.days, args.per_day, progress=stderr_progress)
    out["history"] = {**made, "generate_s": round(time.perf_counter() - t, 1)}
    t = time.perf_counter()
    facts.refresh(store, site.tz, progress=lambda n, total: n % 20000 < facts.BATCH and stderr_progress(
        f"facts: {n}/{total} tickets"))
    rollup.roll_past(store, TODAY, progress=lambda n, total: n % 10 == 0 and stderr_progress(
        f"roll-ups: {n}/{total} days"))
    out["prepare_s"] = round(time.perf_counter() - t, 1)

    worker = StatsWorker(work / "stats.sqlite", site, durable=False)  # as the server runs them (catch-up ≤ 1/s)
    worker.call("stats", clock(), last, last, "service")  # the worker process started
    timings: dict[str, list[float]] = {by: [] for by in DIMENSIONS}
    for r in range(args.rounds):
        for by in DIMENSIONS:
            t = time.perf_counter()
            worker.call("stats", clock(), first, last, by)
            timings[by].append((time.perf_counter() - t) * 1000)
        stderr_progress(f"queries: round {r + 1}/{args.rounds}")
    every = [x for v in timings.values() for x in v]
    out["query_p95_ms"] = round(_p95(every), 1)
    out["query_p95_ms_by"] = {by: round(_p95(v), 1) for by, v in timings.items()}
    ind = []
    for _ in range(args.rounds):
        t = time.perf_counter()
        worker.call("indicator_figures", clock(), first, last)
        ind.append((time.perf_counter() - t) * 1000)
    out["indicators_p95_ms"] = round(_p95(ind), 1)

    exports = {}
    for name, call in (("xlsx_by_day", ("stats_file", clock(), first, last, "day", "xlsx")),
                       ("xlsx_by_officer", ("stats_file", clock(), first, last, "officer", "xlsx")),
                       ("csv_by_day", ("stats_file", clock(), first, last, "day", "csv")),
                       ("xlsx_indicators", ("indicators_file", clock(), first, last, "xlsx")),
                       ("monthly_report", ("report", clock(), last.replace(day=1), last))):
        t = time.perf_counter()
        size = len(worker.call(*call))
        exports[name] = {"s": round(time.perf_counter() - t, 3), "bytes": size}
        stderr_progress(f"export {name}: {exports[name]['s']} s")
    out["export_s"] = max(e["s"] for e in exports.values())
    out["exports"] = exports

    out.update(_issue_slowdown(store, site, clock, first, last, args, issue_ticket,
                               lambda *a: worker.call("stats", *a), DIMENSIONS))
    worker.close()
    store.close()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def _issue_slowdown(store, site, clock, first, last, args, issue_ticket, stats, dimensions) -> dict:
    """Time to issue a ticket through the real rule, at `--issue-rate` tickets a second (open loop;
    a 1,000-ticket day is 0.04 a second, its opening rush perhaps 1), alone, with whole-range
    breakdowns at `--stats-per-s`, and with breakdowns back to back."""
    services = list(site.services)
    rng, pick = random.Random(7), random.Random(8)

    def issue_for(seconds: float) -> list[float]:
        took, start, n = [], time.perf_counter(), 0
        while (due := start + n / args.issue_rate) < start + seconds:
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            clock.advance(seconds=1 / args.issue_rate)
            t = time.perf_counter()
            issue_ticket(store, site, clock(), rng.choice(services), actor="device:bench", enforce_windows=False)
            took.append(time.perf_counter() - t)
            n += 1
        return took

    def with_queries(per_s: float) -> tuple[list[float], int]:
        stop, count = threading.Event(), [0]

        def ask() -> None:
            while not stop.is_set():
                began = time.perf_counter()
                stats(clock(), first, last + timedelta(days=1), pick.choice(dimensions))
                count[0] += 1
                if per_s:
                    stop.wait(max(0.0, 1 / per_s - (time.perf_counter() - began)))
        side = threading.Thread(target=ask, daemon=True)
        side.start()
        took = issue_for(args.phase)
        stop.set()
        side.join()
        return took, count[0]

    issue_for(1.0)  # warm-up: caches, the day's first numbers
    alone: list[float] = []
    paced: list[float] = []
    hammered: list[float] = []
    asked = {"paced": 0, "back_to_back": 0}
    for phase in range(args.phases):  # the three kinds in turns, so the box's other work hits all alike
        alone += issue_for(args.phase)
        took, n = with_queries(args.stats_per_s)
        paced += took
        asked["paced"] += n
        took, n = with_queries(0)
        hammered += took
        asked["back_to_back"] += n
        stderr_progress(f"issuance: phase {phase + 1}/{args.phases}: {len(alone)} tickets each way, "
                        f"{asked['paced']} paced and {asked['back_to_back']} back-to-back breakdowns")
    seconds = args.phase * args.phases

    def ms(values: list[float]) -> dict:
        return {"mean": round(sum(values) / len(values) * 1000, 3), "trimmed": round(_trimmed(values) * 1000, 3),
                "median": round(_median(values) * 1000, 3), "p95": round(_p95(values) * 1000, 3)}

    def slowdown(values: list[float], central) -> float:
        return round(central(values) / central(alone) - 1, 3)

    mean = lambda v: sum(v) / len(v)  # noqa: E731
    # Headline on the mean without the slowest 1 % of each set: on a shared box a handful of
    # multi-millisecond stalls from other processes move a 600-ticket mean by ±20 % in any phase.
    return {"issue_rate_per_s": args.issue_rate, "issue_ms_alone": ms(alone),
            "stats_per_s": args.stats_per_s, "issue_ms_with_stats": ms(paced),
            "issue_slowdown": slowdown(paced, _trimmed), "issue_slowdown_mean": slowdown(paced, mean),
            "issue_slowdown_median": slowdown(paced, _median),
            "back_to_back": {"breakdowns_per_s": round(asked["back_to_back"] / seconds, 1),
                             "issue_ms": ms(hammered), "issue_slowdown": slowdown(hammered, _trimmed),
                             "issue_slowdown_mean": slowdown(hammered, mean),
                             "issue_slowdown_median": slowdown(hammered, _median)}}


def _trimmed(values: list[float]) -> float:
    ordered = sorted(values)[:max(1, len(values) * 99 // 100)]
    return sum(ordered) / len(ordered)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]
