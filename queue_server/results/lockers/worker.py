"""The lockers' background worker: the uncollected sweep every minute, and the notices outbox
delivered every couple of seconds. Built by `create_app`, started and stopped by its lifespan."""
from __future__ import annotations

import logging
import threading
from typing import Any

from queue_server.results.lockers import rules, uncollected
from queue_server.notices.outbox import deliverer, locker_config

log = logging.getLogger("motcua.lockers")
WORKER_INTERVAL_S = 2.0
SWEEP_EVERY_S = 60.0


class Worker:
    def __init__(self, app: Any):
        self.app, self._stop = app, threading.Event()
        self._thread: threading.Thread | None = None
        self._last_sweep = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="motcua-lockers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    def _run(self) -> None:
        import time
        while not self._stop.is_set():
            try:
                now = self.app.state.settings.clock()
                if time.monotonic() - self._last_sweep >= SWEEP_EVERY_S:
                    self._last_sweep = time.monotonic()
                    with self.app.state.store.write() as tx:
                        uncollected.sweep(tx, locker_config(self.app), now)
                deliverer(self.app).run_due(now)
                deliverer(self.app).purge_files(now)
            except Exception:  # keep going: the next round retries
                log.exception("lockers worker round failed")
            self._stop.wait(WORKER_INTERVAL_S)


def setup(app: Any) -> Worker:
    """The banks as configured, the per-kiosk brakes, and the worker (started by the app's lifespan)."""
    rules.sync_banks(app.state.store, locker_config(app))
    app.state.locker_limiters, app.state.locker_limit_lock = {}, threading.Lock()
    return Worker(app)
