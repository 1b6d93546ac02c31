"""The event bus filters by type before queueing: a hall display that asked for calls holds only
calls, so a burst of other events (a morning's issuing) never fills its queue and drops it."""
from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from queue_server.clock import FakeClock
from queue_server.hall.events.bus import QUEUE_LIMIT, EventBus
from bench.live_server import MONDAY_MORNING


def test_a_display_that_asked_for_calls_is_not_dropped_by_a_burst_of_other_events():
    async def scenario():
        bus = EventBus(FakeClock(MONDAY_MORNING), ZoneInfo("Asia/Ho_Chi_Minh"))
        bus.loop = asyncio.get_running_loop()
        calls_only = bus.subscribe(None, ("ticket.called",))
        everything = bus.subscribe(None)
        for n in range(QUEUE_LIMIT + 10):       # more than a queue may hold
            bus.publish("queue.changed", service="land", waiting=n)
        bus.publish("ticket.called", ticket={"number": "A001"}, counter={"code": "1"})
        got = [calls_only.get_nowait() for _ in range(calls_only.qsize())]
        assert len(got) == 1 and '"ticket.called"' in got[0] and "A001" in got[0]
        assert bus.subscribers == 1                  # the unfiltered listener fell behind and was let go
        backlog = [everything.get_nowait() for _ in range(everything.qsize())]
        assert backlog[-1] is None and len(backlog) == QUEUE_LIMIT + 1   # ... told to reconnect, then let go
    asyncio.run(scenario())
