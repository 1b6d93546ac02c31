"""`motcua hw ...` technician commands.

Each device module adds its own commands (``register_hw(hw)``), so the
printer, scanner and locker commands live beside their drivers.
"""
from __future__ import annotations

import argparse

from drivers.locker import cli as locker_cli
from drivers.printer import cli as printer_cli
from drivers.scanner import cli as scanner_cli


def register(commands: argparse._SubParsersAction) -> None:
    hw_parser = commands.add_parser(
        "hw", help="technician checks that work the same on real devices and on simulators")
    hw = hw_parser.add_subparsers(dest="hw", metavar="CHECK")
    hw_parser.set_defaults(func=lambda args: (hw_parser.print_help(), 2)[1])
    for module in (printer_cli, scanner_cli, locker_cli):
        module.register_hw(hw)
