"""kiosk_app's sub-commands for the `motcua` command (see queue_server/cli.py)."""
from __future__ import annotations

import argparse
import sys


def register(commands: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Add this package's sub-commands; command functions import lazily."""
    kiosk = commands.add_parser("kiosk", help="the touchscreen kiosk (Kivy, fullscreen)")
    kiosk.add_argument("--config", help="kiosk TOML file (sample: config/kiosk.toml)")
    kiosk.add_argument("--windowed", action="store_true", help="a window instead of fullscreen (development)")
    kiosk.set_defaults(func=_kiosk)

    demo = commands.add_parser("demo", help="server + simulators + kiosk on sample data, all wired together")
    demo.add_argument("--var", default="var/demo", help="working directory for the database and outputs")
    demo.add_argument("--port", type=int, default=8000, help="server port (0 = any free port)")
    demo.add_argument("--no-kiosk", action="store_true", help="start everything but the kiosk")
    demo.set_defaults(func=_demo)

    b = bench.add_parser("kiosk", help="kiosk cold start and confirm-tap-to-cut (JSON)")
    b.add_argument("--runs", type=int, default=3)
    b.add_argument("--baudrate", type=int, default=115200)
    b.set_defaults(func=_bench)

    from .bench_locker import register_bench as register_locker_bench
    register_locker_bench(bench)


def _kiosk(args: argparse.Namespace) -> int:
    from .config import ConfigError, load_config

    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(f"motcua kiosk: bad configuration: {exc}", file=sys.stderr)
        return 2
    from .ui.app import run_kiosk
    return run_kiosk(cfg, windowed=args.windowed)


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo
    return run_demo(args)


def _bench(args: argparse.Namespace) -> int:
    from .bench import run_bench
    return run_bench(args)
