"""`create_province_app(settings)`: the province server, with no global state."""
from __future__ import annotations

from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

import psycopg
from fastapi import FastAPI

from queue_server import errors
from queue_server.province import page, routes, stats_routes
from queue_server.province.db import Pool
from queue_server.province.schema import migrate
from queue_server.province.settings import ProvinceSettings
from queue_server.province.worker import FactWorker


def create_province_app(settings: ProvinceSettings) -> FastAPI:
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        migrate(conn)
    pool = Pool(settings.dsn, settings.max_inflight)
    tz = ZoneInfo(settings.timezone)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # figures are derived as shipments arrive, not inside a statistics request
        worker = FactWorker(settings.dsn, tz, settings.clock, settings.facts_idle_seconds).start()
        app.state.fact_worker = worker
        yield
        worker.stop()
        pool.close()

    app = FastAPI(title="motcua province server", version="1", lifespan=lifespan,
                  description="Dữ liệu các điểm một cửa của tỉnh / the province's one-stop sites")
    app.state.settings, app.state.pool, app.state.tz = settings, pool, tz
    errors.install(app)
    app.include_router(routes.router)
    app.include_router(stats_routes.router)
    app.include_router(page.router)
    return app
