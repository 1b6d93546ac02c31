"""`motcua serve`, `motcua init`, `motcua user add|disable`, `motcua device add|revoke`."""
from __future__ import annotations

import argparse
import gc
import getpass
import os
import socket
import sys
from pathlib import Path

from queue_server.config import DEFAULT_CONFIG, ConfigError

DEFAULT_DB = Path("var/motcua.sqlite")


def open_store(db_path: Path):
    """The store for CLI commands; DatabaseRefused (a ValueError) for a damaged or empty file."""
    from queue_server.app import MIGRATIONS
    from queue_server.integrity.dbfile import check_database
    from queue_server.store import Store
    check_database(Path(db_path))
    return Store(db_path, MIGRATIONS)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(args: argparse.Namespace, customize=None) -> int:
    """Run the server; ``customize(app)`` lets a harness (the bench) add to the app first."""
    import sqlite3

    from queue_server.app import create_app
    from queue_server.clock import ShiftedClock, utc_now
    from queue_server.integrity.dbfile import DatabaseRefused, check_database
    from queue_server.settings import Settings
    try:
        rate = getattr(args, "clock_rate", 1.0)
        if rate != 1.0 and not args.clock_start:
            raise ValueError("--clock-rate needs --clock-start")
        clock = ShiftedClock(args.clock_start, rate) if args.clock_start else utc_now
    except ValueError as exc:
        print(f"motcua serve: {exc}", file=sys.stderr)
        return 2
    def settings_for(config: Path, db: Path) -> Settings:
        return Settings(config_path=config, db_path=db, clock=clock, enforce_windows=not args.open_all_hours,
                        public_rate_per_minute=args.public_rate_per_minute, durable_commits=args.sync == "full",
                        public_url=(getattr(args, "public_url", "") or "").rstrip("/"))
    if getattr(args, "sites", None):  # several sites, one SQLite file and one port each
        from queue_server.cli.multisite import serve_sites
        return serve_sites(args, settings_for)
    settings = settings_for(Path(args.config), Path(args.db))
    try:
        check_database(settings.db_path)  # before anything may write to it
        app = create_app(settings)
    except ConfigError as exc:
        print(f"motcua serve: configuration refused: {exc}", file=sys.stderr)
        return 2
    except DatabaseRefused as exc:
        print(f"motcua serve: database refused: {exc}", file=sys.stderr)
        return 2
    except (sqlite3.Error, OSError) as exc:  # e.g. a read-only or full disk
        print(f"motcua serve: cannot open the database {settings.db_path}: {exc}", file=sys.stderr)
        return 2
    if customize:
        customize(app)
    if os.environ.get("MOTCUA_MEMPROBE"):  # diagnostics for the soak bench: SIGUSR1 → one JSON line
        from queue_server.cli.memprobe import install
        install(app, Path(os.environ["MOTCUA_MEMPROBE"]))
    return run(app, args)


def run(app, args: argparse.Namespace) -> int:
    import uvicorn
    try:
        sock = bind(args.host, args.port)
    except (OSError, OverflowError) as exc:  # OverflowError: a port past 65535
        print(f"motcua serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    # Everything built so far lives as long as the server: keep it out of the collector's
    # generations so a full collection does not walk it in the middle of a request.
    gc.collect()
    gc.freeze()
    port = sock.getsockname()[1]
    print(f"motcua: serving on http://{args.host}:{port}", flush=True)
    # Citizens' live ticket streams end by themselves within a minute; a stop does not wait for them.
    config = uvicorn.Config(app, log_level=args.log_level, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=3)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def init(args: argparse.Namespace) -> int:
    """Write editable copies of the sample site and kiosk configuration into a folder."""
    import shutil

    from queue_server.config import sample_config_dir
    target = Path(args.dir)
    names = ("site.toml", "kiosk.toml")
    existing = [n for n in names if (target / n).exists()]
    if existing and not args.force:
        print(f"motcua init: {', '.join(str(target / n) for n in existing)} already exists "
              f"(kept; --force overwrites) / đã có, giữ nguyên", file=sys.stderr)
        return 2
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copyfile(sample_config_dir() / name, target / name)
    except OSError as exc:
        print(f"motcua init: cannot write {target}: {exc}", file=sys.stderr)
        return 2
    print(f"motcua: wrote {target / 'site.toml'} and {target / 'kiosk.toml'}; edit them, then:\n"
          f"  motcua serve --config {target / 'site.toml'}\n  motcua kiosk --config {target / 'kiosk.toml'}")
    return 0


def user_add(args: argparse.Namespace) -> int:
    from queue_server.auth.accounts import add_user
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Mật khẩu cho {args.name} / password for {args.name}: ")
    try:
        store = open_store(Path(args.db))
        add_user(store, args.name, args.role, password, display_name=args.display_name)
    except ValueError as exc:
        print(f"motcua user add: {exc}", file=sys.stderr)
        return 2
    print(f"user {args.name} ({args.role}) saved in {args.db}")
    return 0


def device_add(args: argparse.Namespace) -> int:
    from queue_server.auth.accounts import add_device
    try:
        key = add_device(open_store(Path(args.db)), args.name, args.role)
    except ValueError as exc:
        print(f"motcua device add: {exc}", file=sys.stderr)
        return 2
    print(key)
    print(f"device {args.name} ({args.role}) saved in {args.db}; the key above is shown only once",
          file=sys.stderr)
    return 0


def device_revoke(args: argparse.Namespace) -> int:
    from queue_server.auth.accounts import revoke_device
    return _stop(args, "device revoke", revoke_device, "device {name} revoked in {db}; "
                 "a running server refuses its key within {cache} s")


def user_disable(args: argparse.Namespace) -> int:
    from queue_server.auth.accounts import disable_user
    return _stop(args, "user disable", disable_user, "user {name} disabled in {db}; "
                 "a running server ends their sessions within {cache} s")


def _stop(args: argparse.Namespace, command: str, action, done: str) -> int:
    """Revoke a credential in an existing database (never create one for it)."""
    from queue_server.auth.accounts import CACHE_SECONDS
    if not Path(args.db).is_file():
        print(f"motcua {command}: no database at {args.db} (see --db)", file=sys.stderr)
        return 2
    try:
        action(open_store(Path(args.db)), args.name)
    except ValueError as exc:
        print(f"motcua {command}: {exc}", file=sys.stderr)
        return 2
    print(done.format(name=args.name, db=args.db, cache=CACHE_SECONDS))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    from queue_server.auth.roles import DEVICE_ROLES, STAFF_ROLES
    p = commands.add_parser("serve", help="run the queue server (creates and migrates the database)")
    p.add_argument("--config", default=str(DEFAULT_CONFIG), help="site TOML (default: the sample center)")
    p.add_argument("--db", default=str(DEFAULT_DB), help="SQLite file (default: var/motcua.sqlite)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000, help="0 picks a free port (printed)")
    p.add_argument("--clock-start", help="run the clock from this instant, e.g. 2026-11-23T08:00:00+07:00 (tests, demos)")
    p.add_argument("--clock-rate", type=float, default=1.0,
                   help="with --clock-start: the clock runs this many times faster (soak tests)")
    p.add_argument("--open-all-hours", action="store_true", help="issue tickets outside the issuing windows (demo)")
    p.add_argument("--log-level", default="warning")
    p.add_argument("--sync", choices=("full", "normal"), default="full",
                   help=("full (default): every commit is on disk before the answer, an issued ticket "
                         "survives a power cut; normal: survives a crash of the server process only, "
                         "faster under heavy load (servers with a battery-backed disk cache)"))
    p.add_argument("--sites", help="host several sites: a TOML file of [[sites]] name, config, db, port "
                                    "(then --config, --db and --port are not used)")
    p.add_argument("--public-rate-per-minute", type=int, default=600,
                   help="requests a minute one anonymous client may make (default 600; 0 = no limit)")
    p.add_argument("--public-url", default="",
                   help=("base of the citizens' ticket links printed in the QR, e.g. https://motcua.example.vn "
                         "(default: [center] public_url, else the address the kiosk reaches the server on)"))
    p.set_defaults(func=serve)

    i = commands.add_parser("init", help="write an editable sample site.toml and kiosk.toml into DIR")
    i.add_argument("dir", help="folder to write into (created if missing)")
    i.add_argument("--force", action="store_true", help="overwrite files that are already there")
    i.set_defaults(func=init)

    user = commands.add_parser("user", help="staff accounts").add_subparsers(dest="user_cmd", metavar="ACTION")
    ua = user.add_parser("add", help="add or update a staff account")
    ua.add_argument("name")
    ua.add_argument("--role", choices=STAFF_ROLES, required=True)
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    ua.add_argument("--display-name", help="the name citizens read, e.g. \"Nguyễn Thị Lan\" (default: the login)")
    ua.add_argument("--db", default=str(DEFAULT_DB))
    ua.set_defaults(func=user_add)
    ud = user.add_parser("disable", help="stop an account: no login, its sessions end")
    ud.add_argument("name")
    ud.add_argument("--db", default=str(DEFAULT_DB))
    ud.set_defaults(func=user_disable)

    device = commands.add_parser("device", help="kiosk/display device keys").add_subparsers(dest="device_cmd", metavar="ACTION")
    da = device.add_parser("add", help="register a device and print its key once")
    da.add_argument("name")
    da.add_argument("--role", choices=DEVICE_ROLES, required=True)
    da.add_argument("--db", default=str(DEFAULT_DB))
    da.set_defaults(func=device_add)
    dr = device.add_parser("revoke", help="stop a lost or stolen device's key (add it again for a new key)")
    dr.add_argument("name")
    dr.add_argument("--db", default=str(DEFAULT_DB))
    dr.set_defaults(func=device_revoke)
