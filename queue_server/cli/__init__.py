"""The `motcua` command.

The dispatcher only builds the argument parser: every package adds its own
sub-commands through the ``motcua.cli`` entry point group (see pyproject.toml),
so this package never imports the kiosk, driver or simulator packages. Command
functions import their heavy dependencies lazily, which keeps `motcua --help`
fast and `motcua serve` free of Kivy.
"""
from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="motcua",
        description="motcua — kiosk and queue management for one-stop public service centers.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for ep in sorted(entry_points(group="motcua.cli"), key=lambda e: e.name):
        ep.load()(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    return int(func(args) or 0)


def register(commands: argparse._SubParsersAction) -> None:
    """queue_server's own commands: serve, init, check, user, device, dossiers, province."""
    from queue_server.cli import check, serve
    from queue_server.results.integrations import cli as integrations_cli
    from queue_server.province import cli as province_cli
    serve.register(commands)
    check.register(commands)
    integrations_cli.register(commands)
    province_cli.register(commands)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
