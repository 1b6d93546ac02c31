"""Settings of one server process; `create_app(settings)` takes nothing else."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from queue_server.clock import Clock, utc_now
from queue_server.config import DEFAULT_CONFIG


@dataclass
class Settings:
    config_path: Path = DEFAULT_CONFIG
    db_path: Path = Path("var/motcua.sqlite")
    clock: Clock = field(default=utc_now)
    enforce_windows: bool = True
    token_ttl_hours: float = 12.0
    public_rate_per_minute: int = 600
    # fsync the WAL at every (group) commit, so an issued — maybe printed — ticket survives a
    # power cut; False survives a crash of the process only (for disks with battery-backed cache).
    durable_commits: bool = True
    # Base of the citizen's ticket links (`serve --public-url`); overrides [center] public_url.
    public_url: str = ""
    # The statistics catch up with the event log at most this often (seconds): each catch-up
    # is a write, and a write held while a ticket is issued makes that ticket wait ≥ 1 ms.
    stats_refresh_seconds: float = 1.0
