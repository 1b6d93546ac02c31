"""FastAPI dependencies giving a route the store, the site config and "now".

All `async def`: a plain `def` dependency is run in the thread pool (slow).
"""
from __future__ import annotations

from datetime import datetime

from fastapi import Request
from starlette.requests import HTTPConnection

from queue_server.config import SiteConfig
from queue_server.store import Store


async def get_store(request: HTTPConnection) -> Store:
    return request.app.state.store


async def get_site(request: HTTPConnection) -> SiteConfig:
    return request.app.state.site


async def get_now(request: HTTPConnection) -> datetime:
    return request.app.state.settings.clock()


async def get_settings(request: HTTPConnection):
    return request.app.state.settings


async def get_bus(request: Request):
    return request.app.state.bus
