"""`motcua sim printer|scanner|locker|onestop`: run a simulated device until Ctrl-C.

Each simulator module adds its own sub-command (``register_sim(sim)``).
"""
from __future__ import annotations

import argparse

from hardware_sim.locker import cli as locker_cli
from hardware_sim.onestop import cli as onestop_cli
from hardware_sim.printer import cli as printer_cli
from hardware_sim.scanner import cli as scanner_cli


def register(commands: argparse._SubParsersAction) -> None:
    sim_parser = commands.add_parser("sim", help="run a simulated device behind a real pty (and TCP)")
    sim = sim_parser.add_subparsers(dest="sim", metavar="DEVICE")
    sim_parser.set_defaults(func=lambda args: (sim_parser.print_help(), 2)[1])
    for module in (printer_cli, scanner_cli, locker_cli, onestop_cli):
        module.register_sim(sim)
