"""Composition root of the staffing service: adapters, use cases, consumers, background tasks, routes."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import zoneinfo
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from branchops.clock import platform_clock
from branchops.contracts import topics
from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from services.staffing.adapters.alert_store import AlertStore
from services.staffing.adapters.config_store import ConfigStore
from services.staffing.adapters.live_store import LiveStore
from services.staffing.adapters.plan_store import PlanStore
from services.staffing.adapters.queue_appointments import QueueAppointments
from services.staffing.adapters.solver_pool import SolverPool
from services.staffing.adapters.ticket_counts import TicketCounts
from services.staffing.adapters.webhook import WebhookSender
from services.staffing.domain.drift import DriftRule
from services.staffing.handlers import StaffingHandlers
from services.staffing.routes import alerts, counts, plans
from services.staffing.routes.deps import PROBLEMS
from services.staffing.settings import StaffingSettings
from services.staffing.usecases.alerting import Alerting
from services.staffing.usecases.day_planning import DayPlanner
from services.staffing.usecases.intraday import Intraday
from services.staffing.usecases.planning import Planning

Clock = Callable[[], dt.datetime]
STOP_TIMEOUT_S = 5.0


def _utc_now() -> dt.datetime:
    return platform_clock().now()


def build_app(settings: StaffingSettings, platform: PlatformSettings, *, clock: Clock = _utc_now) -> FastAPI:
    """``clock`` is injectable so tests can put the branch inside its opening hours."""
    runtime = ServiceRuntime(settings, platform)
    pool = SolverPool(settings.solver_processes, settings.max_pending_solves)
    plan_store, live = PlanStore(runtime.redis, runtime.outbox), LiveStore(runtime.redis)
    counts_store = TicketCounts(runtime.redis)
    webhook = None
    if settings.webhook_url:
        webhook = WebhookSender(
            settings.webhook_url,
            settings.webhook_secret.get_secret_value().encode(),
            retries=settings.webhook_retries,
            backoff_s=settings.webhook_backoff_s,
            queue_size=settings.webhook_queue_size,
        )
    planning = Planning(plan_store, pool, settings, clock)
    alerting = Alerting(AlertStore(runtime.redis, runtime.outbox), live, webhook, settings, clock)
    drift = DriftRule(settings.drift_window_min, settings.drift_min_samples, settings.drift_threshold)
    intraday = Intraday(
        plan_store, live, counts_store, planning, alerting, pool, settings, clock, owner=runtime.source, drift=drift
    )
    queue_http = httpx.AsyncClient(timeout=10.0)
    booked = QueueAppointments(queue_http, settings.queue_url, platform) if settings.queue_url else None
    day_planner = DayPlanner(
        ConfigStore(runtime.redis),
        counts_store,
        planning,
        live,
        settings,
        clock,
        owner=runtime.source,
        appointments=booked,
    )
    handlers = StaffingHandlers(
        counts_store,
        live,
        plan_store,
        alerting,
        intraday,
        settings.forecast_change_fraction,
        day_planner,
        zoneinfo.ZoneInfo(settings.timezone),
    )
    runtime.add_consumer(
        {
            topics.TICKETS: handlers.on_ticket,
            topics.WINDOWS: handlers.on_window,
            topics.QUEUE_FORECAST: handlers.on_forecast,
            topics.CAMERA_STATUS: handlers.on_camera_status,
            topics.BRANCH_CONFIG: handlers.on_branch_config,
        }
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            workers: list[Any] = [intraday, alerting, day_planner] + ([webhook] if webhook else [])
            tasks = [asyncio.create_task(w.run(), name=f"staffing-{type(w).__name__}") for w in workers]
            try:
                yield
            finally:
                for worker in workers:
                    worker.stop()
                _, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT_S)
                for task in pending:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
                pool.close()
                await queue_http.aclose()

    app = create_service_app(
        "staffing",
        platform,
        lifespan=lifespan,
        routers=[counts.router, plans.router, alerts.router],
        description="Window and shift planning with CP-SAT, intraday alerts",
        max_body_bytes=settings.max_body_bytes,
        errors=PROBLEMS,
    )
    app.state.handlers = handlers
    app.state.settings = settings
    app.state.planning = planning
    app.state.alerting = alerting
    app.state.intraday = intraday
    app.state.day_planner = day_planner
    return app
