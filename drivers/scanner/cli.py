"""`motcua hw scan URL`: show what a scanner reads, the same on a real one and on the simulator.

Each recognised code is printed with its kind; ID numbers are masked (last three
digits only) and names are never printed. Exit code 0 when the port could be
opened, 1 when it never could.

Protocol: docs/protocols/scanner.md.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from typing import Any


def register_hw(hw: argparse._SubParsersAction) -> None:
    p = hw.add_parser("scan", help="print each code a scanner reads, with its kind (IDs masked)",
                      description=__doc__)
    p.add_argument("url", help="port path, serial:///dev/ttyACM0?baudrate=115200 or tcp://host:port")
    p.add_argument("--suffix", choices=("cr", "crlf"), default="cr", help="the scanner's frame suffix")
    p.add_argument("--seconds", type=float, default=None, help="stop after this long (default: Ctrl-C)")
    p.add_argument("--count", type=int, default=None, help="stop after this many codes")
    p.add_argument("--debounce", type=float, default=1.0, help="same code within this window = one scan")
    p.add_argument("--salt", default=os.environ.get("MOTCUA_ID_SALT", ""),
                   help="site salt for the ID hash (default $MOTCUA_ID_SALT)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=run)


def describe(result: Any) -> str:
    """One line for a technician; never the ID number or the name."""
    kind = result.kind
    if kind == "citizen_id":
        band = "≥ 60, elderly priority / người cao tuổi" if result.is_elderly else "under 60"
        return f"citizen_id  ID {result.id_masked}  age {result.age} ({band})  hash {result.id_hash[:12]}…"
    if kind == "dossier":
        return f"dossier     {result.code}  ({result.source}, dated {result.date:%Y-%m-%d}, no. {result.seq})"
    if kind == "ticket":
        return f"ticket      {result.ticket_id}  {result.url}"
    return f"unknown     {result.reason}"


def run(args: argparse.Namespace) -> int:
    import logging

    from drivers.scanner.payloads import DEFAULT_SALT
    from drivers.scanner.driver import Rejected, Scan, Scanner, ScannerHealth

    # Everything worth saying is printed below; keep the logger's warnings off the terminal.
    logging.getLogger("motcua.drivers.scanner").addHandler(logging.NullHandler())
    salt = args.salt.encode() if args.salt else DEFAULT_SALT
    done = threading.Event()
    lock = threading.Lock()
    seen = {"codes": 0}

    def out(line: str, record: dict[str, Any]) -> None:
        with lock:
            stamp = time.strftime("%H:%M:%S")
            print(json.dumps({"time": stamp, **record}, ensure_ascii=False) if args.json else f"{stamp}  {line}",
                  flush=True)

    def on_code(scan: Scan) -> None:
        result = scan.classify(salt=salt)
        out(describe(result), {"event": "code", **result.as_dict()})
        with lock:
            seen["codes"] += 1
            if args.count and seen["codes"] >= args.count:
                done.set()

    def on_reject(rejected: Rejected) -> None:
        out(f"rejected    {rejected.code}: {rejected.reason}",
            {"event": "rejected", "code": rejected.code, "reason": rejected.reason})

    def on_health(health: ScannerHealth) -> None:
        if health.connected:
            out(f"connected   {args.url}", {"event": "connected", "device": args.url})
        else:
            out(f"disconnected {args.url}: {health.last_error}",
                {"event": "disconnected", "device": args.url, "error": health.last_error})

    scanner = Scanner(args.url, suffix=args.suffix, on_code=on_code, on_reject=on_reject,
                      on_health=on_health, debounce=args.debounce)
    if not args.json:
        print(f"reading {args.url} (suffix {args.suffix}); Ctrl-C to stop", file=sys.stderr, flush=True)
    scanner.start()
    try:
        done.wait(args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        scanner.stop()
    health = scanner.health()
    summary = health.as_dict()
    print(json.dumps({"event": "summary", **summary}) if args.json else
          f"summary: {health.codes} codes, {health.duplicates} repeats, {health.rejected} rejected, "
          f"{health.connects} connects" + (f", last error: {health.last_error}" if health.last_error else ""),
          file=sys.stdout if args.json else sys.stderr, flush=True)
    if health.connects == 0:
        print(f"{args.url}: never connected: {health.last_error}", file=sys.stderr)
        return 1
    return 0
