"""`motcua demo --province`: a throw-away PostgreSQL, a province server and two sites shipping to it.

Site 1 is the demo center itself; site 2 a commune one-stop (another `motcua serve` on its
own SQLite file). Both get a `[province]` table in their site.toml and a key from
`motcua province site add`; a viewer key opens the province page.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import httpx

from bench.postgres import TempPostgres
from queue_server.config import DEFAULT_CONFIG

SITES = ("trung-tam", "xa-demo")
#: the commune's own name (the center keeps the sample's): what the province page calls each site
CENTER_NAMES = {"xa-demo": "Bộ phận Một cửa UBND xã Tà Nung"}


def site_toml(path: Path, province_url: str, name: str, key: str, center: str | None = None, **opts: Any) -> Path:
    """The sample center's site.toml shipping to `province_url` as site `name` (demo and tests);
    `center` renames the center ([center] name), `opts` go into [province]."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    if center:
        head, sep, rest = text.partition("[center]\n")
        line = next(l for l in rest.splitlines() if l.startswith("name = "))
        text = head + sep + rest.replace(line, f'name = "{center}"', 1)
    extra = "".join(f"{k} = {v!r}\n" for k, v in opts.items())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + f'\n[province]\nurl = "{province_url}"\nsite = "{name}"\nkey = "{key}"\n{extra}',
                    encoding="utf-8")
    return path


def start_province(demo: Any, var: Path, tell: Callable[[str], None]) -> dict | None:
    """Start PostgreSQL + the province; returns {url, viewer, configs: {site: toml}} or None."""
    try:
        pg = TempPostgres().start()
    except Exception as exc:  # no PostgreSQL here: the center runs alone
        tell(f"province: PostgreSQL could not start ({exc}); continuing without it")
        return None
    demo.cleanups.append(pg.stop)
    dsn = pg.create_database("province")
    keys = {}
    for name in SITES:
        r = demo.run(["province", "site", "add", name, "--dsn", dsn])
        keys[name] = r.stdout.strip()
    viewer = demo.run(["province", "viewer", "add", "demo-viewer", "--dsn", dsn]).stdout.strip()
    from bench.demo.run import _first_line
    proc = demo.spawn("province", ["province", "serve", "--dsn", dsn, "--port", "0"])
    line = _first_line(proc, "serving on", timeout=30)
    if not line or not all(keys.values()) or not viewer:
        tell(f"province: the server did not start (see {var / 'province.log'})")
        return None
    url = line.split()[-1]
    tell(f"province server: {url} (PostgreSQL in {pg.root})")
    return {"url": url, "viewer": viewer,
            "configs": {name: site_toml(var / name / "site.toml", url, name, keys[name], CENTER_NAMES.get(name),
                                                 interval_seconds=2) for name in SITES}}


def start_second_site(demo: Any, var: Path, province: dict, tell: Callable[[str], None]) -> str | None:
    """The commune site: its own server and SQLite file; a few tickets so the province has figures."""
    from bench.demo.run import _first_line
    db = str(var / "xa-demo" / "motcua.sqlite")
    r = demo.run(["device", "add", "kiosk-xa-1", "--role", "kiosk", "--db", db])
    key = r.stdout.split()[0] if r.returncode == 0 and r.stdout.split() else ""
    proc = demo.spawn("server-xa-demo", ["serve", "--config", str(province["configs"]["xa-demo"]), "--db", db,
                                         "--port", "0", "--open-all-hours"])
    line = _first_line(proc, "serving on", timeout=30)
    if not line:
        tell(f"second site did not start (see {var / 'server-xa-demo.log'})")
        return None
    url = line.split()[-1]
    for n in range(3):
        httpx.post(url + "/api/v1/tickets", json={"service": "civil"}, timeout=10,
                   headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"demo-{time.time()}-{n}"})
    tell(f"second site (xa-demo): {url}")
    tell(f"Province page    {province['url']}/province?token={province['viewer']}")
    return url
