"""Statistics computed in a worker process, so ticket issuance keeps its pace.

The server is one Python process: any thread busy with figures or a workbook takes the
interpreter lock from the ticket path (measured: a busy side thread makes issuing a
ticket ~3× slower, whatever it computes). One spawned worker process with its own store
connections answers the statistics at a lower CPU priority (nice 10); the server awaits
its answer without blocking.
SQLite serialises the worker's few writes (the facts catching up) with the server's.
"""
from __future__ import annotations

import asyncio
import os
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from queue_server.config import SiteConfig

_store = None
_site: SiteConfig | None = None


def _init(db_path: str, site: SiteConfig, durable: bool, refresh_every: float) -> None:
    global _store, _site
    import signal

    from queue_server.store import Store
    # Ctrl-C in the server's terminal reaches the whole process group: the server shuts
    # this worker down itself (lifespan end), so the worker does not die mid-answer.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Figures can wait, a citizen at the kiosk cannot: when the cores are busy, the kernel
    # gives the server (issuing tickets) the CPU before this worker.
    os.nice(10)
    from queue_server.reports.stats import routes
    _store = Store(db_path, (), durable=durable)  # the server has applied the migrations
    routes.REFRESH_EVERY = refresh_every
    _site = site


def _call(name: str, args: tuple) -> Any:
    from queue_server.reports.stats import routes
    return getattr(routes, name)(_store, _site, *args)


class StatsWorker:
    """`await worker.run("stats", now, first, last, by)` → routes.stats(store, site, now, …) in the worker."""

    def __init__(self, db_path: Path | str, site: SiteConfig, durable: bool = True, refresh_every: float = 1.0):
        self._args = (str(db_path), site, durable, refresh_every)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:  # started on first use: a server nobody asks for figures never pays for it
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init, initargs=self._args)
        return self._pool

    async def run(self, name: str, *args: Any) -> Any:
        return await asyncio.wrap_future(self._executor().submit(_call, name, args))

    def call(self, name: str, *args: Any) -> Any:
        """Blocking form (benchmarks, scripts)."""
        return self._executor().submit(_call, name, args).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
