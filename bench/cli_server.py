"""`motcua bench server` and `motcua bench policy` (JSON on stdout)."""
from __future__ import annotations

import argparse
import json


def bench_server(args: argparse.Namespace) -> int:
    from bench.server import run
    print(json.dumps(run(clients=args.clients, counters=args.counters, seconds=args.seconds,
                         paced=tuple(args.paced), sync=args.sync), indent=2))
    return 0


def bench_policy(args: argparse.Namespace) -> int:
    from bench.policy import run
    print(json.dumps(run(seed=args.seed, days=args.days), indent=2, ensure_ascii=False))
    return 0


def register(bench: argparse._SubParsersAction) -> None:
    p = bench.add_parser("server", help="real server under N issuing clients and M calling counters")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--counters", type=int, default=12)
    p.add_argument("--seconds", type=float, default=10.0, help=("per phase; the ratio's three closed loops take twice this each, "
                         "in turns (about 10 x this in all)"))
    p.add_argument("--paced", type=float, nargs="*", default=[100.0, 300.0],
                   help="offered loads, tickets/s over all clients, for the p99 target (default 100 300)")
    p.add_argument("--sync", choices=("full", "normal"), default="full",
                   help="the server's `motcua serve --sync` (default full: every commit synced to disk)")
    p.set_defaults(func=bench_server)
    q = bench.add_parser("policy", help="a simulated day: calling rule vs FIFO vs strict priority")
    q.add_argument("--seed", type=int, default=1)
    q.add_argument("--days", type=int, default=20)
    q.set_defaults(func=bench_policy)
