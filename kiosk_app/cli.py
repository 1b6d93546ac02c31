"""kiosk_app's sub-command for the `motcua` command: `motcua kiosk`."""
from __future__ import annotations

import argparse
import sys


def register(commands: argparse._SubParsersAction) -> None:
    """Add this package's sub-commands; command functions import lazily."""
    kiosk = commands.add_parser("kiosk", help="the touchscreen kiosk (Kivy, fullscreen)")
    kiosk.add_argument("--config", help="kiosk TOML file (sample: config/kiosk.toml)")
    kiosk.add_argument("--windowed", action="store_true", help="a window instead of fullscreen (development)")
    kiosk.set_defaults(func=_kiosk)



def _kiosk(args: argparse.Namespace) -> int:
    from kiosk_app.config import ConfigError, load_config

    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(f"motcua kiosk: bad configuration: {exc}", file=sys.stderr)
        return 2
    from kiosk_app.ui.app import run_kiosk
    return run_kiosk(cfg, windowed=args.windowed)
