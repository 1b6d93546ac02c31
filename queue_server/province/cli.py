"""`motcua province serve|site add|viewer add` (the DSN from --dsn or $MOTCUA_PROVINCE_DSN)."""
from __future__ import annotations

import argparse
import os
import sys


def _dsn(args: argparse.Namespace) -> str | None:
    dsn = args.dsn or os.environ.get("MOTCUA_PROVINCE_DSN")
    if not dsn:
        print("motcua province: give --dsn postgresql://… (or set MOTCUA_PROVINCE_DSN)", file=sys.stderr)
    return dsn


def serve(args: argparse.Namespace) -> int:
    import psycopg

    from queue_server.cli.serve import run
    from queue_server.clock import ShiftedClock, utc_now
    from queue_server.province.app import create_province_app
    from queue_server.province.settings import ProvinceSettings
    dsn = _dsn(args)
    if not dsn:
        return 2
    try:
        clock = ShiftedClock(args.clock_start) if args.clock_start else utc_now
    except ValueError as exc:
        print(f"motcua province serve: --clock-start: {exc}", file=sys.stderr)
        return 2
    try:
        app = create_province_app(ProvinceSettings(dsn=dsn, clock=clock, max_inflight=args.max_inflight,
                                                    max_body_bytes=args.max_batch_kb * 1024))
    except psycopg.Error as exc:
        print(f"motcua province serve: cannot use the PostgreSQL store: {exc}", file=sys.stderr)
        return 2
    return run(app, args)


def add_key(args: argparse.Namespace, role: str) -> int:
    import psycopg

    from queue_server.clock import utc_now
    from queue_server.province.keys import add_key as make
    from queue_server.province.schema import migrate
    dsn = _dsn(args)
    if not dsn:
        return 2
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            migrate(conn)
            key = make(conn, args.name, role, utc_now().timestamp())
    except (psycopg.Error, ValueError) as exc:
        print(f"motcua province {role} add: {exc}", file=sys.stderr)
        return 2
    print(key)
    print(f"{role} {args.name} saved; the key above is shown only once / khóa chỉ hiện một lần", file=sys.stderr)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    province = commands.add_parser("province", help="the province server (PostgreSQL) and its keys")
    sub = province.add_subparsers(dest="province_cmd", metavar="ACTION")
    province.set_defaults(func=lambda args: (province.print_help(), 2)[1])

    s = sub.add_parser("serve", help="run the province server (creates and migrates the PostgreSQL schema)")
    s.add_argument("--dsn", help="postgresql://… (default: $MOTCUA_PROVINCE_DSN)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8100, help="0 picks a free port (printed)")
    s.add_argument("--max-inflight", type=int, default=4, help="batches applied at once; more get 503 + Retry-After")
    s.add_argument("--max-batch-kb", type=int, default=32 * 1024,
                   help="largest batch accepted (KB); larger get 413 and the site halves its batches")
    s.add_argument("--clock-start", help="run the clock from this instant (tests, demos)")
    s.add_argument("--log-level", default="warning")
    s.set_defaults(func=serve)

    for role, what in (("site", "a site that ships its logs"), ("viewer", "a dashboard viewer")):
        g = sub.add_parser(role, help=f"keys of {what}").add_subparsers(dest=f"{role}_cmd", metavar="ACTION")
        a = g.add_parser("add", help=f"register {what} and print its key once")
        a.add_argument("name")
        a.add_argument("--dsn", help="postgresql://… (default: $MOTCUA_PROVINCE_DSN)")
        a.set_defaults(func=lambda args, role=role: add_key(args, role))
