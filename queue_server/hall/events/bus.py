"""In-process event bus feeding `WS /api/v1/events`.

`publish` may be called from any thread (routes in the thread pool, the store's
after-commit hook); delivery happens on the event loop in publish order. A
subscriber that falls far behind is dropped rather than slowing everyone.
Each subscriber hears only what its principal may (`events.audience`): anonymous
ones get the hall-display subset, rendered once per event for all of them.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable

from queue_server.clock import Clock, iso_local
from queue_server.hall.events.audience import allowed, public_view
from queue_server.hall.tickets.view import dumps

QUEUE_LIMIT = 1000


class EventBus:
    def __init__(self, clock: Clock, tz: Any):
        self.clock, self.tz = clock, tz
        self.loop: asyncio.AbstractEventLoop | None = None
        self.seq = 0
        self.listeners: list[Callable[[dict[str, Any]], None]] = []  # in-process, any thread
        self._subs: dict[asyncio.Queue, Any] = {}  # queue -> principal (None: anonymous)
        self._types: dict[asyncio.Queue, tuple[str, ...]] = {}  # queue -> type prefixes it asked for
        self._lock = threading.Lock()

    def publish(self, type_: str, **payload: Any) -> dict[str, Any]:
        with self._lock:
            self.seq += 1
            msg = {"type": type_, "seq": self.seq, "at": iso_local(self.clock().timestamp(), self.tz), **payload}
            if self._subs and self.loop is not None and not self.loop.is_closed():
                full = dumps(msg)
                view = public_view(msg) if None in self._subs.values() else None
                public = dumps(view) if view is not None else None
                try:
                    running = asyncio.get_running_loop()
                except RuntimeError:
                    running = None
                if running is self.loop:
                    self._deliver(type_, full, public)
                else:
                    self.loop.call_soon_threadsafe(self._deliver, type_, full, public)
        for listener in list(self.listeners):
            listener(msg)
        return msg

    def _deliver(self, type_: str, full: str, public: str | None) -> None:
        for q, who in list(self._subs.items()):
            wanted = self._types.get(q)
            if wanted and not type_.startswith(wanted):
                continue  # filtered here, not in the socket: a display's queue holds only what it shows
            text = public if who is None else (full if allowed(who, type_) else None)
            if text is None:
                continue
            if q.qsize() >= QUEUE_LIMIT:
                self.unsubscribe(q)
                q.put_nowait(None)  # tells the socket loop to close
            else:
                q.put_nowait(text)

    def subscribe(self, who: Any = None, types: tuple[str, ...] = ()) -> asyncio.Queue:
        """A queue of rendered events `who` may hear; with `types`, only those whose type starts with one."""
        q: asyncio.Queue = asyncio.Queue()
        self._subs[q] = who
        if types:
            self._types[q] = tuple(types)
        return q

    def unsubscribe(self, q: asyncio.Queue) -> None:
        self._subs.pop(q, None)
        self._types.pop(q, None)

    def has_audience(self) -> bool:
        """Anyone to tell: a WebSocket subscriber or an in-process listener."""
        return bool(self._subs or self.listeners)

    @property
    def subscribers(self) -> int:
        return len(self._subs)
