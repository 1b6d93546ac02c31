"""`motcua check --db FILE`: audit a database's invariants; exit 0 when all hold, 1 naming the broken ones."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from queue_server.cli.serve import DEFAULT_DB


def check(args: argparse.Namespace) -> int:
    from queue_server.integrity.invariants import LIMIT, audit
    findings = audit(Path(args.db))
    broken = [f for f in findings if not f.ok]
    if args.json:
        print(json.dumps({"db": args.db, "ok": not broken,
                          "invariants": {f.invariant: f.problems[:LIMIT] for f in findings}}, ensure_ascii=False))
    else:
        for f in findings:
            if f.ok:
                print(f"ok      {f.invariant}")
                continue
            print(f"BROKEN  {f.invariant}: {len(f.problems)} problem(s)")
            for problem in f.problems[:LIMIT]:
                print(f"          {problem}")
        if broken:
            print(f"motcua check: {args.db}: broken: {', '.join(f.invariant for f in broken)}", file=sys.stderr)
    return 1 if broken else 0


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("check", help="audit a database: numbering, ticket states vs events, lockers, logs")
    p.add_argument("--db", default=str(DEFAULT_DB), help="SQLite file (default: var/motcua.sqlite); read only")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=check)
