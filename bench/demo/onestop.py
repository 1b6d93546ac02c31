"""The demo's province one-stop system: `motcua sim onestop` with a live stream, and a site
TOML whose `[integrations] source` points the server's sync worker at it (issue 15)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import httpx

from queue_server.config import DEFAULT_CONFIG


def start_onestop(demo: Any, var: Path, tell: Callable[[str], None], base: Path = DEFAULT_CONFIG) -> Path | None:
    """Start the simulator; returns the site TOML (``base`` + `[integrations]`) to serve with (None: without it)."""
    from bench.demo.run import _first_line
    proc = demo.spawn("sim-onestop", ["sim", "onestop", "--port", "0", "--per-day", "400", "--speed", "24",
                                      "--history", "150", "--seed", "2026"])
    line = _first_line(proc, '"source_url"', timeout=15)
    if not line:
        tell(f"province simulator: not available (see {var / 'sim-onestop.log'}); dossiers only typed in")
        return None
    info = json.loads(line)
    site = var / "site.toml"
    site.write_text(Path(base).read_text(encoding="utf-8") + f'\n[integrations]\nsource = "{info["source_url"]}"\n'
                    "poll_seconds = 2\n", encoding="utf-8")
    demo.province_url = info["url"]
    tell(f"province one-stop simulator: {info['url']} (400 dossiers a day, 24× faster; the server syncs them)")
    return site


def ready_examples(url: str, n: int = 3) -> list[str]:
    """A few dossier codes at status 9 in the province (to deposit in a locker)."""
    try:
        rows = httpx.get(f"{url}/control/dossiers", timeout=5).json()
    except (httpx.HTTPError, ValueError):
        return []
    return [r["code"] for r in rows if r["status"] == 9][-n:]
