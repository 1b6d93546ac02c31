"""`motcua dossiers import FILE.xlsx|FILE.csv [--apply]`."""
from __future__ import annotations

import argparse

from queue_server.config import DEFAULT_CONFIG


def register(commands: argparse._SubParsersAction) -> None:
    from queue_server.cli.serve import DEFAULT_DB
    group = commands.add_parser("dossiers", help="dossiers from the province system")
    sub = group.add_subparsers(dest="dossiers_cmd", metavar="ACTION")
    group.set_defaults(func=lambda args: (group.print_help(), 2)[1])
    p = sub.add_parser("import", help="import an export (.xlsx or .csv): a dry run unless --apply",
                       description=__doc__)
    p.add_argument("file", help="FILE.xlsx or FILE.csv, first row = column headings")
    p.add_argument("--apply", action="store_true", help="write the good rows (default: dry run, nothing written)")
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.add_argument("--config", default=str(DEFAULT_CONFIG), help="site TOML (time zone of dates without one)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from queue_server.results.integrations.importer import main
    return main(args)
