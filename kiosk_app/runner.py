"""Run blocking work (HTTP, serial) off the UI thread and hand results back to it.

The controller never blocks: it submits a function and gets ``on_done(result,
error)`` later, on the thread that owns the UI (``post`` is Kivy's
``Clock.schedule_once`` in the app). Tests use ``InlineRunner`` (runs at once)
or ``ThreadRunner`` with a queue they drain.
"""
from __future__ import annotations

import logging
import queue
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

log = logging.getLogger(__name__)
Done = Callable[[Any, BaseException | None], None]


class InlineRunner:
    def submit(self, fn: Callable[[], Any], on_done: Done) -> None:
        try:
            result = fn()
        except Exception as exc:  # handed to the controller, which decides
            on_done(None, exc)
        else:
            on_done(result, None)

    def shutdown(self) -> None:
        pass


class ThreadRunner:
    def __init__(self, post: Callable[[Callable[[], None]], None] | None = None, workers: int = 4):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kiosk-io")
        self._queue: queue.Queue[Callable[[], None]] = queue.Queue()
        self._post = post or self._queue.put

    def submit(self, fn: Callable[[], Any], on_done: Done) -> None:
        def work() -> None:
            try:
                result, error = fn(), None
            except Exception as exc:
                result, error = None, exc
            self._post(lambda: on_done(result, error))
        self._pool.submit(work)

    def post(self, fn: Callable[[], None]) -> None:
        self._post(fn)

    def drain_nowait(self) -> int:
        """Run what is ready now (the UI clock calls this every frame)."""
        n = 0
        while True:
            try:
                fn = self._queue.get_nowait()
            except queue.Empty:
                return n
            try:
                fn()
            except Exception:
                log.exception("callback failed")
            n += 1

    def drain(self, timeout: float = 5.0) -> int:
        """Run posted callbacks on the calling thread (tests without a UI loop)."""
        n = 0
        try:
            while True:
                self._queue.get(timeout=timeout if n == 0 else 0.05)()
                n += 1
        except queue.Empty:
            return n

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
