"""`create_app(settings)`: the whole server, with no global state."""
from __future__ import annotations

import asyncio
import gc
from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import errors
from .api_auth import router as auth_router
from .api_counters import router as counters_router
from .api_events import router as events_router
from .api_public import router as public_router
from .api_tickets import router as tickets_router
from .config import load_site
from .events import EventBus
from .features import load_features
from .ratelimit import RateLimiter
from .rules import sync_site
from .schema import migrations as core_migrations
from .settings import Settings
from .store import Store


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    site = load_site(settings.config_path)  # ConfigError names file, key and problem
    features = load_features()
    sets = [core_migrations] + [m.migrations for m in features if hasattr(m, "migrations")]
    store = Store(settings.db_path, sets, background_checkpoint=True, durable=settings.durable_commits)
    sync_site(store, site, settings.clock())
    bus = EventBus(settings.clock, site.tz)
    store.listeners.append(lambda type_, payload: bus.publish(type_, **payload))
    store.audience = bus.has_audience

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        bus.loop = asyncio.get_running_loop()
        # Everything built so far (app, routes, models, config) lives as long as the process:
        # keep it out of the collector's generations so a full collection walks only new objects.
        gc.freeze()
        yield
        bus.loop = None
        store.close()

    app = FastAPI(title="motcua queue server", version="1",
                  description=f"{site.center.name} — hàng đợi, số thứ tự, quầy / queue, tickets, counters",
                  lifespan=lifespan)
    app.state.settings, app.state.site, app.state.store, app.state.bus = settings, site, store, bus
    app.state.rate_limiter = RateLimiter(settings.public_rate_per_minute) if settings.public_rate_per_minute else None
    errors.install(app)
    if settings.bench_routes:
        from .api_bench import add_routes
        add_routes(app)
    # Routes are matched in order: the busiest (ticket issue, call next) come first.
    for router in (tickets_router, counters_router, public_router, auth_router, events_router):
        app.include_router(router)
    for module in features:
        if hasattr(module, "router"):
            app.include_router(module.router)
        if hasattr(module, "setup"):
            module.setup(app)
    return app
