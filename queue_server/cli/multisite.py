"""`motcua serve --sites sites.toml`: several small sites in one process (a district box).

    [[sites]]
    name = "xa-a"                 # lowercase code
    config = "xa-a/site.toml"     # the site's own configuration (paths relative to this file)
    db = "xa-a.sqlite"            # its own SQLite file: its tickets, accounts and device keys
    port = 8001                   # its own port: every route of the site, nothing of the others

Each site is a whole `create_app()` with its own store, event bus, keys and shipper, served
on its own socket by its own uvicorn server in one event loop: a kiosk, console or display
configured with one site's URL and key sees that site only, and a key of one site is unknown
to the others. Accounts and keys are made per file as for one site (`motcua user add --db`).
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import signal
import sys
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn  # imported only by `motcua serve --sites`

from queue_server.config import CODE, ConfigError, _Reader


@dataclass(frozen=True)
class HostedSite:
    name: str
    config: Path
    db: Path
    port: int


def load_sites(path: Path) -> list[HostedSite]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "(file)", f"not valid TOML: {exc}") from None
    root = _Reader(path, data, "")
    sites: list[HostedSite] = []
    for r in root.sub("sites"):
        name = r.get("name", str)
        if not CODE.match(name):
            raise r.fail("name", f"{name!r} must be lowercase letters, digits, '-' or '_' (≤ 32)")
        port = r.get("port", int)
        if not 0 <= port <= 65535:
            raise r.fail("port", f"must be 0…65535, got {port}")
        config, db = (Path(r.get(key, str)) for key in ("config", "db"))
        site = HostedSite(name, config if config.is_absolute() else path.parent / config,
                          db if db.is_absolute() else path.parent / db, port)
        for other in sites:
            for field, clash in (("name", site.name == other.name), ("db", site.db.resolve() == other.db.resolve()),
                                 ("port", site.port and site.port == other.port)):
                if clash:
                    raise r.fail(field, f"already used by site {other.name!r}: each site needs its own")
        sites.append(site)
    if not sites:
        raise root.fail("sites", "at least one [[sites]] is needed")
    return sites


def serve_sites(args: argparse.Namespace, settings_for) -> int:
    """Run every site of `args.sites`; `settings_for(config, db)` → Settings (shared options)."""
    from queue_server.app import create_app
    from queue_server.cli.serve import bind
    try:
        sites = load_sites(Path(args.sites))
        apps = [(site, create_app(settings_for(site.config, site.db))) for site in sites]
    except ConfigError as exc:
        print(f"motcua serve: configuration refused: {exc}", file=sys.stderr)
        return 2
    servers, sockets = [], []
    for site, app in apps:
        try:
            sock = bind(args.host, site.port)
        except OSError as exc:
            print(f"motcua serve: site {site.name}: cannot listen on {args.host}:{site.port}: {exc}", file=sys.stderr)
            return 2
        sockets.append(sock)
        servers.append(_Server(uvicorn.Config(app, log_level=args.log_level, access_log=False, lifespan="on")))
    gc.collect()
    gc.freeze()
    for (site, _), sock in zip(apps, sockets):
        print(f"motcua: serving site {site.name} on http://{args.host}:{sock.getsockname()[1]}", flush=True)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: [setattr(s, "should_exit", True) for s in servers])
        await asyncio.gather(*(server.serve(sockets=[sock]) for server, sock in zip(servers, sockets)))

    asyncio.run(main())
    return 0


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to `serve_sites` (one handler stops every site)."""

    @contextmanager
    def capture_signals(self):
        yield
