"""`create_app(settings)`: the whole server, with no global state."""
from __future__ import annotations

import asyncio
import gc
from contextlib import asynccontextmanager

from fastapi import FastAPI

from queue_server import errors, web
from queue_server.edge import openapi as openapi_doc
from queue_server.edge.limits import BodyLimits, SecurityHeaders
from queue_server.hall.appointments import page as appointments_page
from queue_server.hall.appointments import routes as appointments_routes
from queue_server.hall.appointments import schema as appointments_schema
from queue_server.hall.appointments import rules as appointments_rules
from queue_server.hall.appointments.config import booking_of
from queue_server.hall.alerts import routes as alerts_routes
from queue_server.hall.alerts import schema as alerts_schema
from queue_server.auth import routes as auth_routes
from queue_server.auth import schema as auth_schema
from queue_server.auth.ratelimit import RateLimiter
from queue_server.config import load_site
from queue_server.hall.counters import routes as counters_routes
from queue_server.hall.counters.presence import sweep_idle
from queue_server.reports.dashboard import routes as dashboard_routes
from queue_server.reports.dashboard import schema as dashboard_schema
from queue_server.results.dossiers import routes as dossiers_routes
from queue_server.results.dossiers import schema as dossiers_schema
from queue_server.hall.events import routes as events_routes
from queue_server.hall.events.bus import EventBus
from queue_server.results.integrations import routes as integrations_routes
from queue_server.results.integrations import schema as integrations_schema
from queue_server.results.integrations.worker import build as build_sync_worker
from queue_server.results.lockers import kiosk_routes as lockers_kiosk_routes
from queue_server.results.lockers import routes as lockers_routes
from queue_server.results.lockers import schema as lockers_schema
from queue_server.results.lockers.codes import PickupCodes
from queue_server.results.lockers.config import parse_lockers
from queue_server.results.lockers.worker import setup as setup_lockers
from queue_server.notices import outbox as notices_routes
from queue_server.notices import schema as notices_schema
from queue_server.notices.outbox import Deliverer, outbox_dir
from queue_server.results.postal import citizen as postal_citizen
from queue_server.results.postal import confirm as postal_confirm
from queue_server.results.postal import routes as postal_routes
from queue_server.results.postal.codes import ConfirmCodes, render_with
from queue_server.results.postal import schema as postal_schema
from queue_server.hall.ratings import routes as ratings_routes
from queue_server.hall.ratings import schema as ratings_schema
from queue_server.settings import Settings
from queue_server.shipping import schema as shipping_schema
from queue_server.shipping.config import province_link
from queue_server.shipping.shipper import Shipper
from queue_server.reports.stats import page as stats_page
from queue_server.reports.stats import routes as stats_routes
from queue_server.reports.stats import schema as stats_schema
from queue_server.reports.stats.indicators import rules_of as stats_rules
from queue_server.reports.stats.worker import StatsWorker
from queue_server.store import Store
from queue_server.hall.tickets import citizen as tickets_citizen
from queue_server.hall.tickets import public as tickets_public
from queue_server.hall.tickets import routes as tickets_routes
from queue_server.hall.tickets import schema as tickets_schema
from queue_server.hall.tickets.rules import sync_site
from queue_server.hall.voice import routes as voice_routes

#: Every feature's schema, applied in this order at start (and by `motcua user|device add`).
MIGRATIONS = (tickets_schema.migrations, auth_schema.migrations, ratings_schema.migrations,
              dashboard_schema.migrations, dossiers_schema.migrations, lockers_schema.migrations,
              notices_schema.migrations, shipping_schema.migrations, integrations_schema.migrations,
              postal_schema.migrations, stats_schema.migrations, appointments_schema.migrations,
              alerts_schema.migrations)

#: Every feature's routes. Routes are matched in order: the busiest (ticket issue, call next) first.
ROUTERS = (tickets_routes.router, counters_routes.router, tickets_public.router, alerts_routes.router, postal_citizen.router,
           tickets_citizen.router,
           auth_routes.router,
           events_routes.router, web.router, voice_routes.router, ratings_routes.router,
           dashboard_routes.router, dossiers_routes.router, lockers_routes.router, lockers_kiosk_routes.router,
           notices_routes.router,
           integrations_routes.router, postal_routes.router, stats_routes.router, stats_page.router,
           appointments_routes.router, appointments_page.router)


async def _sign_out_idle(store: Store, site, settings: Settings) -> None:
    """Officers idle past [queue] idle_sign_out_minutes are signed out (their counters close)."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await store.run(lambda: sweep_idle(store, site, settings.clock()))
        except Exception:  # a busy database: the next round does it
            pass


SWEEP_SECONDS = 20.0
HOUSEKEEPING_SECONDS = 600.0


async def _appointments_housekeeping(store: Store, site, settings: Settings) -> None:
    """Past days' bookings become no-shows and their phones are erased, also on days nobody books."""
    while True:
        try:
            await store.run(lambda: appointments_rules.housekeeping(store, site, settings.clock()))
        except Exception:  # a busy database: the next round does it
            pass
        await asyncio.sleep(HOUSEKEEPING_SECONDS)


async def _postal_housekeeping(store: Store, settings: Settings) -> None:
    """Postal requests never confirmed: their address leaves the database once the code expired."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS * 3)
        try:
            await store.run(lambda: postal_confirm.sweep(store, settings.clock()))
        except Exception:  # a busy database: the next round does it
            pass


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    site = load_site(settings.config_path)  # ConfigError names file, key and problem
    stats_rules(site)  # the provincial statistics rules, checked at start like the rest
    booking_of(site)  # [appointments]: a wrong section is refused at start too
    store = Store(settings.db_path, MIGRATIONS, background_checkpoint=True, durable=settings.durable_commits)
    sync_site(store, site, settings.clock())
    bus = EventBus(settings.clock, site.tz)
    store.listeners.append(lambda type_, payload: bus.publish(type_, **payload))
    store.audience = bus.has_audience
    link = province_link(site)  # `[province]` in site.toml: ship the logs there
    shipper = Shipper(store, link, settings.clock) if link else None
    lockers_cfg = parse_lockers(site.sections, site.path)  # [lockers] and [lockers.notices]; ConfigError at start
    notices = Deliverer(store, lockers_cfg.notices, outbox_dir(lockers_cfg.notices, site.path, settings.db_path),
                        # pickup and postal confirmation codes filled in at send time
                        render=render_with(PickupCodes.of(store).code_for, ConfirmCodes.of(store).code_for))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        bus.loop = asyncio.get_running_loop()
        # Everything built so far (app, routes, models, config) lives as long as the process:
        # keep it out of the collector's generations so a full collection walks only new objects.
        gc.freeze()
        sweeper = asyncio.ensure_future(_sign_out_idle(store, site, settings))
        housekeeper = asyncio.ensure_future(_appointments_housekeeping(store, site, settings))
        postal_sweeper = asyncio.ensure_future(_postal_housekeeping(store, settings))
        alerts = asyncio.ensure_future(alerts_routes.watch(app))
        if shipper:
            shipper.start()
        lockers_worker.start()
        if sync_worker:
            sync_worker.start()
        yield
        if sync_worker:
            sync_worker.stop()  # before the store closes
        lockers_worker.stop()
        if shipper:
            shipper.stop()
        sweeper.cancel()
        housekeeper.cancel()
        postal_sweeper.cancel()
        alerts.cancel()
        bus.loop = None
        app.state.stats_worker.close()
        store.close()

    app = FastAPI(title="motcua queue server", version="1",
                  description=f"{site.center.name} — hàng đợi, số thứ tự, quầy / queue, tickets, counters",
                  lifespan=lifespan, docs_url=None, redoc_url=None)  # /docs: web.docs (no CDN)
    app.state.settings, app.state.site, app.state.store, app.state.bus = settings, site, store, bus
    app.state.voice_cache = voice_routes.make_cache(settings.db_path)
    app.state.shipper = shipper
    app.state.lockers_config, app.state.notices_deliverer = lockers_cfg, notices
    app.state.stats_worker = StatsWorker(settings.db_path, site, settings.durable_commits,
                                         settings.stats_refresh_seconds)
    app.state.rate_limiter = RateLimiter(settings.public_rate_per_minute) if settings.public_rate_per_minute else None
    errors.install(app)
    app.add_middleware(BodyLimits)  # 413 / 415 before any route reads a body
    app.add_middleware(SecurityHeaders)  # CSP, nosniff, no Referer, no framing: on every answer
    for router in ROUTERS:
        app.include_router(router)
    web.setup(app)
    lockers_worker = app.state.lockers_worker = setup_lockers(app)
    sync_worker = app.state.integrations_worker = build_sync_worker(app)
    openapi_doc.install(app)  # security schemes and every error status in /openapi.json
    return app
