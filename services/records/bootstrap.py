"""Composition root of the records service: PostgreSQL engine, migrations, outbox relay, use cases, routes."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from branchops.web.problems import problem_response
from services.records.adapters.config_store import ConfigStore
from services.records.adapters.database import DatabaseUnavailable, create_engine, database_ready, wait_for_database
from services.records.adapters.migrate import MigrationFailed, migrate
from services.records.adapters.outbox import OutboxRelay, PgOutbox
from services.records.routes import config
from services.records.settings import RecordsSettings
from services.records.usecases.configuration import Configuration

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
STOP_TIMEOUT_S = 5.0


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StartupFailed(RuntimeError):
    """The service cannot start (database unreachable, migration failed); the message says why."""


def build_app(settings: RecordsSettings, platform: PlatformSettings, *, clock: Clock = _utc_now) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    engine = create_engine(settings)
    relay = OutboxRelay(engine, runtime.publisher, poll_s=settings.outbox_poll_s, batch=settings.outbox_batch)
    store = ConfigStore(engine, PgOutbox(runtime.source, clock))
    configuration = Configuration(store, relay.notify, clock)
    runtime.extra_checks["postgres"] = lambda: database_ready(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await wait_for_database(engine, settings.database_wait_s)
            await migrate(engine)
        except (DatabaseUnavailable, MigrationFailed) as exc:
            log.critical("records cannot start: %s", exc)
            await engine.dispose()
            raise StartupFailed(f"records cannot start: {exc}") from exc
        async with runtime.lifespan(app):
            task = asyncio.create_task(relay.run(), name="records-outbox-relay")
            try:
                yield
            finally:
                relay.stop()
                _, pending = await asyncio.wait([task], timeout=STOP_TIMEOUT_S)
                for left in pending:
                    left.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await left
                await engine.dispose()

    app = create_service_app("records", platform, lifespan=lifespan, routers=[config.router],
                             description="PostgreSQL: branch configuration (system of record), history, reports",
                             max_body_bytes=settings.max_body_bytes)

    @app.exception_handler(DatabaseUnavailable)
    async def _database_down(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return problem_response(request, 503, "Database unavailable", str(exc), headers={"Retry-After": "2"})

    app.state.settings = settings
    app.state.engine = engine
    app.state.configuration = configuration
    app.state.relay = relay
    return app
