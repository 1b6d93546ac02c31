"""A simulated month of the sample center in the demo's database, so its stats page,
exports and monthly report show something real.

    python -m bench.demo.month --db var/demo/motcua.sqlite [--days 30] [--per-day 420]

Weekdays of the `--days` days before today (local time): tickets with their events,
ratings and dossiers from bench/history.py. Days that already hold tickets are kept.
Used by `motcua demo` (as a command, not by import).
"""
from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta


def main(argv: list[str] | None = None) -> int:
    from queue_server.app import MIGRATIONS
    from queue_server.clock import service_day, utc_now
    from queue_server.config import DEFAULT_CONFIG, load_site
    from queue_server.store import Store
    from bench.history import generate

    p = argparse.ArgumentParser(prog="python -m bench.demo.month")
    p.add_argument("--db", required=True)
    p.add_argument("--config", default=str(DEFAULT_CONFIG))
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--per-day", type=int, default=420)
    args = p.parse_args(argv)
    site = load_site(args.config)
    today = date.fromisoformat(service_day(utc_now(), site.tz))
    store = Store(args.db, MIGRATIONS)
    try:
        made = generate(store, site, today - timedelta(days=args.days), args.days, args.per_day,
                        weekdays_only=True, progress=lambda text: print(text, file=sys.stderr, flush=True))
    finally:
        store.close()
    print(f"{made['days']} days, {made['tickets']} tickets, {made['dossiers']} dossiers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
