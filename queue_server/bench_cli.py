"""`motcua bench server` and `motcua bench policy` (JSON on stdout)."""
from __future__ import annotations

import argparse
import json


def bench_server(args: argparse.Namespace) -> int:
    from .bench_server import run
    print(json.dumps(run(clients=args.clients, counters=args.counters, seconds=args.seconds,
                         paced=args.paced), indent=2))
    return 0


def bench_policy(args: argparse.Namespace) -> int:
    from .bench_policy import run
    print(json.dumps(run(seed=args.seed, days=args.days), indent=2, ensure_ascii=False))
    return 0


def register(bench: argparse._SubParsersAction) -> None:
    p = bench.add_parser("server", help="real server under N issuing clients and M calling counters")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--counters", type=int, default=12)
    p.add_argument("--seconds", type=float, default=10.0, help="per phase (5 phases)")
    p.add_argument("--paced", type=float, default=2.0, help="requests/s per client in the paced phase")
    p.set_defaults(func=bench_server)
    q = bench.add_parser("policy", help="a simulated day: calling rule vs FIFO vs strict priority")
    q.add_argument("--seed", type=int, default=1)
    q.add_argument("--days", type=int, default=20)
    q.set_defaults(func=bench_policy)
