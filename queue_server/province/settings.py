"""Settings of one province server process; `create_province_app(settings)` takes nothing else."""
from __future__ import annotations

from dataclasses import dataclass, field

from queue_server.clock import Clock, utc_now


@dataclass
class ProvinceSettings:
    dsn: str
    clock: Clock = field(default=utc_now)
    timezone: str = "Asia/Ho_Chi_Minh"
    # batches applied at once (one PostgreSQL connection each); more wait, then get 503
    max_inflight: int = 4
    queue_wait_seconds: float = 5.0
    max_body_bytes: int = 32 * 1024 * 1024
    # the fact worker's pause when every site's figures are up to date
    facts_idle_seconds: float = 0.5
