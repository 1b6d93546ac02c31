"""`motcua sim printer|scanner|locker`: run a simulated device until Ctrl-C.

Each simulator module adds its own sub-command (``register_sim(sim)``).
"""
from __future__ import annotations

import argparse
import importlib

SIM_CLI_MODULES = ("hardware_sim.printer_cli", "hardware_sim.scanner_cli", "hardware_sim.locker_cli")


def register(commands: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    sim_parser = commands.add_parser("sim", help="run a simulated device behind a real pty (and TCP)")
    sim = sim_parser.add_subparsers(dest="sim", metavar="DEVICE")
    sim_parser.set_defaults(func=lambda args: (sim_parser.print_help(), 2)[1])
    for name in SIM_CLI_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register_sim(sim)
