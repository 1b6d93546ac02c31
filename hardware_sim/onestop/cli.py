"""`motcua sim onestop`: the province's one-stop information system, simulated, until Ctrl-C.

    motcua sim onestop --port 8765 --per-day 400 --speed 60 --history 300
    curl -X POST localhost:8765/control/faults -d '{"fail_next": 3, "duplicate_rate": 0.1}'

Prints one JSON line: {"url", "source_url" (for [integrations] source), "control"}.
"""
from __future__ import annotations

import argparse
import json
import sys

from hardware_sim.base import run_until_stopped, stop_requested


def register_sim(sim: argparse._SubParsersAction) -> None:
    p = sim.add_parser("onestop", help="province one-stop information system (dossier feed, results, faults)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="HTTP port (0 = any free port, printed)")
    p.add_argument("--per-day", type=float, default=300.0, help="new dossiers a day, live (0 = only when told)")
    p.add_argument("--speed", type=float, default=1.0, help="simulated days run this many times faster")
    p.add_argument("--history", type=int, default=0, help="dossiers of the last 24 h to start with")
    p.add_argument("--seed", type=int, default=None, help="random seed (repeatable streams)")
    p.add_argument("--key", default="", help="require this Bearer key on /api/*")
    p.add_argument("--clock-start", default=None, help="run the clock from this instant (match the server's)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hardware_sim.onestop.model import Clock, Province
    from hardware_sim.onestop.server import OneStopServer

    if args.per_day < 0 or args.speed <= 0 or args.history < 0:
        print("--per-day and --history must be ≥ 0, --speed > 0", file=sys.stderr)
        return 2
    try:
        clock = Clock(args.clock_start)
    except ValueError as exc:
        print(f"--clock-start: {exc}", file=sys.stderr)
        return 2
    province = Province(clock, seed=args.seed, per_day=args.per_day, speed=args.speed)
    if args.history:
        province.generate(args.history)
    try:
        server = OneStopServer(province, args.host, args.port, args.key).start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    done = stop_requested()  # before the ready line
    print(json.dumps({"url": server.url, "source_url": "onestop+" + server.url,
                      "control": server.url + "/control"}), flush=True)
    return run_until_stopped(server.stop, done)
