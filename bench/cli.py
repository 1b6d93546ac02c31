"""`motcua demo` and `motcua bench …`: the development commands.

Registered through the ``motcua.cli`` entry point group like every package's
commands, so the product packages never import this one.
"""
from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="server + simulators + kiosk on sample data, all wired together")
    demo.add_argument("--var", default="var/demo", help="working directory for the database and outputs")
    demo.add_argument("--port", type=int, default=8000, help="server port (0 = any free port)")
    demo.add_argument("--no-kiosk", action="store_true", help="start everything but the kiosk")
    demo.add_argument("--province", action="store_true",
                      help="also a province: PostgreSQL, `motcua province serve` and a second site, both shipping")
    demo.set_defaults(func=_demo)

    bench_parser = commands.add_parser("bench", help="benchmarks; each prints JSON on stdout")
    bench = bench_parser.add_subparsers(dest="bench", metavar="BENCH")
    bench_parser.set_defaults(func=lambda args: (bench_parser.print_help(), 2)[1])

    from bench import cli_server, eta, locker, stats
    cli_server.register(bench)
    eta.register(bench)

    p = bench.add_parser("print", help="bytes and seconds per ticket (58/80 mm, each text mode), JSON")
    p.add_argument("--baud", type=int, default=115200, help="line speed the simulator emulates")
    p.add_argument("--runs", type=int, default=3, help="tickets per configuration (median reported)")
    p.set_defaults(func=_bench_print)

    k = bench.add_parser("kiosk", help="kiosk cold start and confirm-tap-to-cut (JSON)")
    k.add_argument("--runs", type=int, default=3)
    k.add_argument("--baudrate", type=int, default=115200)
    k.set_defaults(func=_bench_kiosk)

    locker.register_bench(bench)
    from bench import onestop
    onestop.register_bench(bench)

    from bench import province
    province.register(bench)

    from bench import reliability
    reliability.register(bench)
    from bench import soak
    soak.register(bench)
    stats.register_bench(bench)


def _demo(args: argparse.Namespace) -> int:
    from bench.demo.run import run_demo
    return run_demo(args)


def _bench_print(args: argparse.Namespace) -> int:
    from bench.print import run_bench
    return run_bench(args)


def _bench_kiosk(args: argparse.Namespace) -> int:
    from bench.kiosk import run_bench
    return run_bench(args)
