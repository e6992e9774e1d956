"""Composition root of the queue service: the one place that chooses adapters."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from branchops.clock import platform_clock
from branchops.contracts import topics
from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from services.queue.adapters.appointment_notifier import LoggingNotifier
from services.queue.adapters.appointment_store import AppointmentStore
from services.queue.adapters.call_next import WindowStore
from services.queue.adapters.snapshot import SnapshotReader
from services.queue.adapters.ticket_store import TicketStore
from services.queue.domain.appointments import CheckInRule
from services.queue.domain.nearness import NearRule
from services.queue.domain.ticket_token import derive_key
from services.queue.domain.undo import UNDO_CALL_WITHIN
from services.queue.handlers import QueueHandlers
from services.queue.routes import appointments as appointment_routes
from services.queue.routes import public as public_routes
from services.queue.routes import queue as queue_routes
from services.queue.routes import tickets as ticket_routes
from services.queue.routes import windows as window_routes
from services.queue.settings import QueueSettings
from services.queue.usecases.appointments import AppointmentRules, Appointments
from services.queue.usecases.clock import Clock, utc_now
from services.queue.usecases.forecasting import LiveQueue
from services.queue.usecases.overview import QueueOverview
from services.queue.usecases.phone_tickets import PhoneTickets
from services.queue.usecases.publishing import ForecastPublisher
from services.queue.usecases.tickets import Tickets
from services.queue.usecases.windows import Windows
from services.queue.vision.bootstrap import build_vision
from services.queue.vision.routes import cameras
from services.queue.vision.settings import VisionSettings


def build_app(settings: QueueSettings, platform: PlatformSettings, *, clock: Clock = utc_now) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    rules, tz = settings.routing_rules(), settings.tz
    reader = SnapshotReader(runtime.redis)
    window_store = WindowStore(runtime.redis, runtime.outbox, rules, tz)
    live = LiveQueue(reader, window_store, rules, tz, settings.footfall_conversion)
    forecasts = ForecastPublisher(
        live, reader, runtime.redis, runtime.publisher, clock, settings.forecast_interval_s, settings.forecast_min_gap_s
    )
    tickets = Tickets(TicketStore(runtime.redis, runtime.outbox, rules, tz), live, clock, forecasts.mark)
    # undo within 5 s of wall time, whatever the speed of a simulated clock
    windows = Windows(window_store, clock, forecasts.mark, UNDO_CALL_WITHIN * platform_clock().rate)
    appointments = Appointments(
        AppointmentStore(runtime.redis, tz),
        tickets,
        AppointmentRules(
            settings.appointment_walk_in_share,
            dict(settings.appointment_handling_min),
            CheckInRule(settings.appointment_early_min, settings.appointment_late_min),
        ),
        LoggingNotifier(),
        clock,
    )
    handlers = QueueHandlers(reader, window_store, forecasts.mark, appointments)
    runtime.add_consumer(
        {
            topics.FOOTFALL: handlers.on_footfall,
            topics.WINDOWS: handlers.on_window,
            topics.STAFFING_ALERTS: handlers.on_alert,
            topics.STAFFING_PLAN: handlers.on_plan,
        }
    )
    vision = build_vision(VisionSettings(), runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            task = asyncio.create_task(forecasts.run(), name="queue-forecast")
            await vision.start()
            try:
                yield
            finally:
                await vision.stop()
                forecasts.stop()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 5)

    app = create_service_app(
        "queue",
        platform,
        lifespan=lifespan,
        routers=[
            ticket_routes.router,
            window_routes.router,
            queue_routes.router,
            public_routes.router,
            appointment_routes.router,
            public_routes.appointments_router,
            cameras.router,
        ],
        description="Tickets, teller windows, live queue state and wait prediction",
    )
    app.state.tickets = tickets
    key = derive_key(platform.jwt_secret.get_secret_value().encode())
    app.state.phone_tickets = PhoneTickets(tickets, key, NearRule(settings.near_people, settings.near_minutes))
    app.state.windows = windows
    app.state.appointments = appointments
    app.state.overview = QueueOverview(live, reader, clock)
    app.state.handlers = handlers
    app.state.forecasts = forecasts
    app.state.vision = vision
    return app
