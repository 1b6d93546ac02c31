"""WS /api/v1/events: every call and queue change, as JSON text frames."""
from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from queue_server.auth.guards import principal_of
from queue_server.errors import RuleError

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.websocket("/events")
async def events(ws: WebSocket) -> None:
    try:
        who = principal_of(ws)
    except RuleError:
        await ws.close(code=4401)
        return
    types = [t for t in ws.query_params.get("types", "").split(",") if t]
    bus = ws.app.state.bus
    await ws.accept()
    q = bus.subscribe()
    receiver = asyncio.ensure_future(_drain(ws))
    try:
        await ws.send_text(json.dumps({"type": "hello", "seq": bus.seq,
                                       "as": who.role if who else None}, ensure_ascii=False))
        while True:
            getter = asyncio.ensure_future(q.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            text = getter.result()
            if text is None:
                await ws.close(code=1013)  # too slow: reconnect and resync
                break
            if types and not any(json.loads(text)["type"].startswith(t) for t in types):
                continue
            await ws.send_text(text)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        bus.unsubscribe(q)
        receiver.cancel()


async def _drain(ws: WebSocket) -> None:
    """Read (and ignore) client frames until the client goes away."""
    try:
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
    except (WebSocketDisconnect, RuntimeError):
        return
