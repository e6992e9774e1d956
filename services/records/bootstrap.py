"""Composition root of the records service: PostgreSQL engine, migrations, every branch's configuration announced
again on start, outbox relay, the history (consumer, ingest, maintenance), use cases, routes."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from branchops.bus import EventPublisher
from branchops.bus.errors import is_transient
from branchops.clock import platform_clock
from branchops.contracts.topics import ALL_TOPICS
from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from branchops.web.problems import problem_response
from services.records.adapters.batch_consumer import BatchConsumer, BatchConsumerConfig
from services.records.adapters.config_store import ConfigStore
from services.records.adapters.database import (
    DatabaseUnavailable,
    create_engine,
    database_ready,
    is_unavailable,
    wait_for_database,
)
from services.records.adapters.history_store import HistoryStore, delete_older
from services.records.adapters.migrate import MigrationFailed, migrate
from services.records.adapters.network_queries import NetworkQueries
from services.records.adapters.outbox import OutboxRelay, PgOutbox
from services.records.adapters.partitions import Partitions
from services.records.adapters.report_pdf import render_daily_pdf
from services.records.adapters.report_store import ReportStore
from services.records.adapters.sandbox_core_store import SandboxCoreStore
from services.records.domain.history import RAW_TABLE_NAMES
from services.records.domain.sandbox_core.limits import limits_from
from services.records.handlers import HistoryHandler
from services.records.routes import audit, config, head_office, reports, sandbox_core
from services.records.settings import RecordsSettings
from services.records.usecases.configuration import Configuration
from services.records.usecases.head_office import HeadOffice
from services.records.usecases.ingest import BranchRulesCache, Incoming, Ingest
from services.records.usecases.maintenance import Maintenance
from services.records.usecases.reports import Reports
from services.records.usecases.sandbox_core import SandboxCore

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
STOP_TIMEOUT_S = 5.0


def _utc_now() -> dt.datetime:
    """The platform clock (branchops/clock.py): the wall clock, or ``branchops up``'s simulated branch time,
    which the events carry too (so retention and the partitions made ahead follow the events' days)."""
    return platform_clock().now()


class StartupFailed(RuntimeError):
    """The service cannot start (database unreachable, migration failed); the message says why."""


@dataclass(frozen=True)
class History:
    """Every topic into PostgreSQL: the consumer, the use case it feeds, and the daily job."""

    consumer: BatchConsumer[Incoming]
    ingest: Ingest
    maintenance: Maintenance
    partitions: Partitions


def _passes(exc: BaseException) -> bool:
    return is_transient(exc) or is_unavailable(exc)


def build_history(
    settings: RecordsSettings,
    platform: PlatformSettings,
    engine: Any,
    publisher: EventPublisher,
    clock: Clock = _utc_now,
) -> History:
    store = HistoryStore(engine, lock_timeout_s=settings.database_timeout_s)
    partitions = Partitions(engine, RAW_TABLE_NAMES, lock_timeout_s=settings.database_timeout_s)
    retention = settings.retention
    ingest = Ingest(store, partitions, BranchRulesCache(store.branch_documents), retention, clock)
    handler = HistoryHandler(ingest)
    consumer = BatchConsumer(
        platform,
        BatchConsumerConfig(
            group_id=settings.group_id,
            max_records=settings.history_batch_max,
            retries=settings.handler_retries,
            backoff_ms=settings.retry_backoff_ms,
        ),
        topics=ALL_TOPICS,
        publisher=publisher,
        decode=handler.decode,
        handle=handler.on_batch,
        transient=_passes,
    )

    async def delete(table: str, column: str, first_kept: dt.date) -> int:
        return await delete_older(engine, table, column, first_kept)

    maintenance = Maintenance(partitions, delete, retention, ahead_days=settings.partitions_ahead_days, clock=clock)
    return History(consumer, ingest, maintenance, partitions)


async def _announce_configurations(configuration: Configuration) -> None:
    """Every branch's configuration on branch-config.v1 again, once per start (retried while PostgreSQL fails)."""
    delay = 0.5
    while True:
        try:
            staged = await configuration.announce()
        except Exception as exc:
            log.warning("branch configurations not announced yet (%s: %s); retrying", type(exc).__name__, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
            continue
        log.info("announced %d branch configurations on start", staged)
        return


async def _stop_tasks(tasks: list[asyncio.Task[None]]) -> None:
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT_S)
    for left in pending:
        left.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await left


def build_app(settings: RecordsSettings, platform: PlatformSettings, *, clock: Clock = _utc_now) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    engine = create_engine(settings)
    relay = OutboxRelay(engine, runtime.publisher, poll_s=settings.outbox_poll_s, batch=settings.outbox_batch)
    store = ConfigStore(engine, PgOutbox(runtime.source, clock))
    configuration = Configuration(store, relay.notify, clock)
    runtime.extra_checks["postgres"] = lambda: database_ready(engine)
    history = build_history(settings, platform, engine, runtime.publisher, clock) if settings.history_enabled else None
    core = SandboxCore(
        SandboxCoreStore(engine, lock_timeout_s=settings.database_timeout_s),
        clock,
        limits=limits_from(settings.sandbox_core_limits),
        identity_window=dt.timedelta(seconds=settings.sandbox_core_identity_window_s),
    )
    if history is not None:
        runtime.extra_checks["history"] = history.consumer.ready

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await wait_for_database(engine, settings.database_wait_s)
            await migrate(engine)
        except (DatabaseUnavailable, MigrationFailed) as exc:
            log.critical("records cannot start: %s", exc)
            await engine.dispose()
            raise StartupFailed(f"records cannot start: {exc}") from exc
        for branch_id in settings.sandbox_core_seed_branches:
            log.info("sandbox core: %d demo customers seeded for %s", await core.seed(branch_id), branch_id)
        async with runtime.lifespan(app):
            announcing = asyncio.create_task(_announce_configurations(configuration), name="records-config-announce")
            tasks = [asyncio.create_task(relay.run(), name="records-outbox-relay"), announcing]
            if history is not None:
                tasks.append(
                    asyncio.create_task(
                        history.maintenance.run(settings.maintenance_interval_s), name="records-history-maintenance"
                    )
                )
                tasks.append(asyncio.create_task(history.consumer.run(), name="records-history-consumer"))
            try:
                yield
            finally:
                announcing.cancel()  # nothing to wait for: the next start announces again
                relay.stop()
                if history is not None:
                    history.consumer.stop()
                    history.maintenance.stop()
                await _stop_tasks(tasks)
                await engine.dispose()

    app = create_service_app(
        "records",
        platform,
        lifespan=lifespan,
        routers=[config.router, head_office.router, reports.router, audit.router, sandbox_core.router],
        errors={**head_office.PROBLEMS, **reports.REPORT_PROBLEMS, **sandbox_core.PROBLEMS},
        description="PostgreSQL: branch configuration (system of record), history, reports",
        max_body_bytes=settings.max_body_bytes,
    )

    @app.exception_handler(DatabaseUnavailable)
    async def _database_down(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return problem_response(request, 503, "Database unavailable", str(exc), headers={"Retry-After": "2"})

    app.state.settings = settings
    app.state.engine = engine
    app.state.configuration = configuration
    app.state.head_office = HeadOffice(NetworkQueries(engine), clock)
    app.state.reports = Reports(ReportStore(engine), render_daily_pdf, clock)
    app.state.relay = relay
    app.state.sandbox_core = core
    sandbox_core.install(app)
    app.state.history = history
    return app
