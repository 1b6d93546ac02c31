"""The sync worker: pulls pages from the configured source, reports results back.

One page is applied in ONE write transaction together with the cursor that follows it,
so a crash or an outage never skips nor half-applies a page: the next poll starts from
the last committed cursor (replays are `unchanged`). While the source says there is more,
pages follow each other at once (catching up after an outage of hours); once caught up,
the worker polls every `poll_seconds`; on errors it backs off (1 s doubling, capped).
"""
from __future__ import annotations

import logging
import random
import threading
import time
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

from queue_server.config import Integrations
from queue_server.results.integrations import items, results
from queue_server.results.integrations.sources import SourceError, open_source
from queue_server.results.lockers.config import NoticeConfig
from queue_server.store import Store

log = logging.getLogger("motcua.integrations")
PULL = "pull"       # integration_sources.name of the configured pull source
TICK_S = 1.0        # results waiting are looked at this often


class Puller:
    def __init__(self, store: Store, cfg: Integrations, tz: ZoneInfo, clock: Callable[[], datetime],
                 adapter: Any = None, notify: NoticeConfig | None = None):
        self.store, self.cfg, self.tz, self.clock, self.notify = store, cfg, tz, clock, notify
        self.adapter = adapter or open_source(cfg.source, cfg.key, cfg.timeout_seconds)
        with store.write() as tx:  # a changed URL starts from its own beginning
            tx.execute("INSERT INTO integration_sources (name, url) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                       "SET cursor = CASE WHEN url = excluded.url THEN cursor END, url = excluded.url",
                       (PULL, _safe_url(cfg.source)))

    def cursor(self) -> str | None:
        row = self.store.one("SELECT cursor FROM integration_sources WHERE name = ?", (PULL,))
        return row["cursor"] if row else None

    def poll_once(self) -> dict[str, Any]:
        """Fetch and apply one page; SourceError when the source could not be read."""
        self._attempt()
        page = self.adapter.fetch(self.cursor(), self.cfg.page_size)
        now = self.clock()
        with self.store.write() as tx:
            answers = items.apply_batch(tx, page.items, self.tz, now, "integration:pull", PULL, self.notify)
            counts = items.count(answers)
            applied = [a["code"] for a in answers if a["result"] == "applied"]
            oldest = tx.execute(
                f"SELECT MIN(status_ts) FROM integration_versions WHERE code IN ({','.join('?' * len(applied))})",
                applied).fetchone()[0] if applied else None
            lag = max(now.timestamp() - oldest, 0.0) if oldest is not None else 0.0
            tx.execute("UPDATE integration_sources SET cursor = ?, last_success_ts = ?, last_error = NULL, "
                       "failures = 0, lag_s = ?, applied_total = applied_total + ?, "
                       "rejected_total = rejected_total + ? WHERE name = ?",
                       (page.next_cursor, now.timestamp(), lag, counts["applied"], counts["rejected"], PULL))
            if counts["applied"] or counts["rejected"]:
                tx.emit("integration.synced", **counts)
        self.adapter.finish(page)
        return {**counts, "items": len(page.items), "has_more": page.has_more, "lag_s": lag}

    def _attempt(self) -> None:
        with self.store.write() as tx:
            tx.execute("UPDATE integration_sources SET last_attempt_ts = ? WHERE name = ?",
                       (self.clock().timestamp(), PULL))

    def failed(self, error: str) -> int:
        now = self.clock().timestamp()
        with self.store.write() as tx:
            tx.execute("UPDATE integration_sources SET last_error = ?, last_error_ts = ?, failures = failures + 1 "
                       "WHERE name = ?", (error[:300], now, PULL))
            return tx.execute("SELECT failures FROM integration_sources WHERE name = ?", (PULL,)).fetchone()[0]


def _safe_url(url: str) -> str:
    """The URL as shown on the dashboard: no user:password part."""
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme}://{host.rpartition('@')[2]}{slash}{path}"


def backoff(failures: int, cap: float) -> float:
    return min(2.0 ** max(failures - 1, 0), cap) * random.uniform(0.8, 1.0)


class Worker:
    def __init__(self, store: Store, cfg: Integrations, tz: ZoneInfo, clock: Callable[[], datetime],
                 notify: NoticeConfig | None = None):
        self.store, self.cfg, self.tz, self.clock = store, cfg, tz, clock
        self.puller = Puller(store, cfg, tz, clock, notify=notify)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="motcua-integrations", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)
        self.puller.adapter.close()

    def _run(self) -> None:
        next_poll = 0.0
        while not self._stop.is_set():
            if time.monotonic() >= next_poll:
                try:
                    done = self.puller.poll_once()
                    next_poll = time.monotonic() + (0.0 if done["has_more"] else self.cfg.poll_seconds)
                except SourceError as exc:
                    failures = self.puller.failed(str(exc))
                    next_poll = time.monotonic() + backoff(failures, self.cfg.backoff_max_seconds)
                    log.warning("province source: %s (failure %d, next try in %.0fs)", exc, failures,
                                next_poll - time.monotonic())
                except Exception as exc:  # keep going: the next round retries
                    failures = self.puller.failed(f"{type(exc).__name__}: {exc}")
                    next_poll = time.monotonic() + backoff(failures, self.cfg.backoff_max_seconds)
                    log.exception("province sync round failed")
            if self.cfg.report_results:
                try:
                    results.deliver_due(self.store, self.puller.adapter, self.tz, self.clock(),
                                        retry_base_s=self.cfg.retry_base_seconds)
                except Exception:
                    log.exception("result reports round failed")
            self._stop.wait(max(0.0, min(TICK_S, next_poll - time.monotonic())))


def build(app: Any) -> "Worker | None":
    """The sync worker when `[integrations] source` is set (started and stopped by the app's lifespan).
    A drop folder that cannot be made stops the server at start, naming the key."""
    from queue_server.config import ConfigError
    from queue_server.notices.outbox import locker_config
    cfg = app.state.site.integrations
    if not cfg.source:
        return None
    try:
        return Worker(app.state.store, cfg, app.state.site.tz, app.state.settings.clock, locker_config(app).notices)
    except (OSError, ValueError) as exc:
        raise ConfigError(app.state.site.path, "integrations.source", str(exc)) from None
