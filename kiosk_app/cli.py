"""kiosk_app's sub-commands for the `motcua` command (see queue_server/cli.py)."""
from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Add this package's sub-commands; command functions import lazily."""
