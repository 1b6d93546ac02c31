"""`motcua hw ...` technician commands and `motcua bench print`.

Each device module adds its own commands (``register_hw(hw, bench)``), so the
printer, scanner and locker commands live beside their drivers.
"""
from __future__ import annotations

import argparse
import importlib

DEVICE_CLI_MODULES = ("drivers.printer_cli", "drivers.scanner_cli", "drivers.locker_cli")


def register(commands: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    hw_parser = commands.add_parser(
        "hw", help="technician checks that work the same on real devices and on simulators")
    hw = hw_parser.add_subparsers(dest="hw", metavar="CHECK")
    hw_parser.set_defaults(func=lambda args: (hw_parser.print_help(), 2)[1])
    for name in DEVICE_CLI_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register_hw(hw, bench)
