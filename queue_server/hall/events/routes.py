"""WS /api/v1/events: calls and queue changes as JSON text frames, each listener hearing only
what its role may (`events.audience`). A socket opened with a key or session is closed (4401)
soon after that key is revoked, the account disabled or its password reset."""
from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from queue_server.auth import accounts
from queue_server.auth.guards import bearer, principal_of
from queue_server.errors import RuleError

router = APIRouter(prefix="/api/v1", tags=["events"])
RECHECK_S = 2.0  # how often an open socket's credential is checked again (plus the lookup cache)


@router.websocket("/events")
async def events(ws: WebSocket) -> None:
    try:
        who = principal_of(ws)
    except RuleError:
        await ws.close(code=4401)
        return
    secret = bearer(ws) if who else None
    types = tuple(t for t in ws.query_params.get("types", "").split(",") if t)
    bus = ws.app.state.bus
    await ws.accept()
    q = bus.subscribe(who, types)
    receiver = asyncio.ensure_future(_drain(ws))
    getter = None
    loop = asyncio.get_running_loop()
    checked = loop.time()
    try:
        await ws.send_text(json.dumps({"type": "hello", "seq": bus.seq,
                                       "as": who.role if who else None}, ensure_ascii=False))
        while True:
            getter = getter or asyncio.ensure_future(q.get())
            done, _ = await asyncio.wait({getter, receiver}, timeout=RECHECK_S if secret else None,
                                        return_when=asyncio.FIRST_COMPLETED)
            if secret and loop.time() - checked >= RECHECK_S:   # not per message: a busy hall sends many
                checked = loop.time()
                if not _still_valid(ws, secret):
                    await ws.close(code=4401)  # revoked or ended: the listener must sign in again
                    break
            if receiver in done:
                break
            if getter not in done:
                continue
            text, getter = getter.result(), None
            if text is None:
                await ws.close(code=1013)  # too slow: reconnect and resync
                break
            await ws.send_text(text)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        bus.unsubscribe(q)
        receiver.cancel()
        if getter is not None:
            getter.cancel()


def _still_valid(ws: WebSocket, secret: str) -> bool:
    app = ws.app
    return accounts.lookup(app.state.store, secret, app.state.settings.clock().timestamp()) is not None


async def _drain(ws: WebSocket) -> None:
    """Read (and ignore) client frames until the client goes away."""
    try:
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
    except (WebSocketDisconnect, RuntimeError):
        return
