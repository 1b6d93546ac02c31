"""Demo accounts and the page URLs to print for people trying the product.

    python -m bench.demo.accounts --db var/demo/motcua.sqlite --base-url http://127.0.0.1:8000

creates (or re-keys) the demo officer, supervisor, hall display and rating
tablet on that database and prints where to click. Used by `motcua demo`
(which talks to us through this command, not by import).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEMO_PASSWORD = "motcua-demo"
DEMO_STAFF = {"canbo5": "officer", "giamsat": "supervisor"}
DEMO_NAMES = {"canbo5": "Nguyễn Thị Lan", "giamsat": "Trần Văn Bình"}   # what citizens read


def demo_accounts(store) -> dict[str, str]:
    """Users with DEMO_PASSWORD; returns the display and rating device keys."""
    from queue_server.auth.accounts import add_device, add_user
    for name, role in DEMO_STAFF.items():
        add_user(store, name, role, DEMO_PASSWORD, display_name=DEMO_NAMES.get(name))
    return {"display": add_device(store, "demo-display", "display"),
            "rating": add_device(store, "demo-rating-5", "rating")}


def page_lines(base_url: str, keys: dict[str, str], counter: str = "5") -> list[str]:
    base = base_url.rstrip("/")
    return [
        f"Officer console     {base}/console?counter={counter}   (canbo5 / {DEMO_PASSWORD})",
        f"Hall display        {base}/display?token={keys['display']}",
        f"Rating tablet       {base}/rate/{counter}?token={keys['rating']}",
        f"Supervisor          {base}/dashboard   (giamsat / {DEMO_PASSWORD})",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.demo.accounts")
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--counter", default="5")
    args = parser.parse_args(argv)
    from queue_server.cli.serve import open_store
    store = open_store(args.db)
    try:
        keys = demo_accounts(store)
    finally:
        store.close()
    print("\n".join(page_lines(args.base_url, keys, args.counter)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
