"""`[province]` in site.toml: where and how this site ships its logs.

    [province]
    url = "http://province.example:8100"   # the province server (motcua province serve)
    site = "xa-lat"                          # this site's name there (motcua province site add NAME)
    key_file = "province.key"                # the key printed once by `site add` (or key = "...")
    batch_size = 500                         # rows per log per request
    interval_seconds = 5                     # pause when everything is shipped
    max_backoff_seconds = 60                 # longest wait between retries when the link is down
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from queue_server.config import CODE, SiteConfig, _Reader


@dataclass(frozen=True)
class ProvinceLink:
    url: str
    site: str
    key: str
    batch_size: int = 500
    interval_seconds: float = 5.0
    max_backoff_seconds: float = 60.0
    center: str = ""   # the site's own name ([center] name): what the province's pages call it
    services: tuple[tuple[str, str], ...] = ()   # (code, name) of its services: named on those pages too


def province_link(site: SiteConfig) -> ProvinceLink | None:
    """The `[province]` table of a parsed site, or None when the site ships nowhere."""
    table = site.sections.get("province")
    if table is None:
        return None
    path = Path(site.path)
    r = _Reader(path, table if isinstance(table, dict) else {}, "province.")
    if not isinstance(table, dict):
        raise r.fail("", "expected a table [province]")
    url = r.get("url", str).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise r.fail("url", f"expected http://… or https://…, got {url!r}")
    name = r.get("site", str)
    if not CODE.match(name):
        raise r.fail("site", f"{name!r} must be lowercase letters, digits, '-' or '_' (≤ 32)")
    if "key" in table:
        key = r.get("key", str)
    else:
        key_path = Path(r.get("key_file", str))
        if not key_path.is_absolute():
            key_path = path.parent / key_path
        try:
            key = key_path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise r.fail("key_file", f"cannot read {key_path}: {exc.strerror}") from None
        if not key:
            raise r.fail("key_file", f"{key_path} is empty")
    batch = r.get("batch_size", int, 500, positive=True)
    if batch > 5000:
        raise r.fail("batch_size", f"must be ≤ 5000, got {batch}")
    return ProvinceLink(url, name, key, batch,
                        float(r.get("interval_seconds", (int, float), 5.0, positive=True)),
                        float(r.get("max_backoff_seconds", (int, float), 60.0, positive=True)),
                        center=site.center.name,
                        services=tuple((s.code, s.name) for s in site.services.values()))
