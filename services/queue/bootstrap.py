"""Composition root of the queue service: the one place that chooses adapters."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI

from branchops.clock import platform_clock
from branchops.contracts import topics
from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.state.client import is_cluster_url
from branchops.web import create_service_app
from branchops.webhook import SignedWebhook
from services.queue.adapters.appointment_notifier import LoggingNotifier
from services.queue.adapters.appointment_store import AppointmentStore
from services.queue.adapters.call_next import WindowStore
from services.queue.adapters.contact_store import ContactStore
from services.queue.adapters.notice_senders import (
    NOTICE_TYPE,
    LoggedNotices,
    WebhookAppointmentNotices,
    WebhookNotices,
)
from services.queue.adapters.number_guard import NumberGuard
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
from services.queue.usecases.notices import TicketNotices
from services.queue.usecases.overview import QueueOverview
from services.queue.usecases.phone_tickets import PhoneTickets
from services.queue.usecases.publishing import ForecastPublisher
from services.queue.usecases.reminders import AppointmentReminders
from services.queue.usecases.tickets import Tickets
from services.queue.usecases.windows import Windows
from services.queue.vision.bootstrap import build_vision
from services.queue.vision.routes import cameras
from services.queue.vision.settings import VisionSettings


class Worker(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


def build_app(settings: QueueSettings, platform: PlatformSettings, *, clock: Clock = utc_now) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    rules, tz = settings.routing_rules(), settings.tz
    reader = SnapshotReader(runtime.redis)
    window_store = WindowStore(runtime.redis, runtime.outbox, rules, tz)
    live = LiveQueue(
        reader,
        window_store,
        rules,
        tz,
        settings.footfall_conversion,
        expected_arrivals=settings.predict_expected_arrivals,
    )
    forecasts = ForecastPublisher(
        live, reader, runtime.redis, runtime.publisher, clock, settings.forecast_interval_s, settings.forecast_min_gap_s
    )
    webhook = _notice_webhook(settings)  # the customers' notices: tickets and appointments
    listeners: list[Callable[[str], None]] = [forecasts.mark]  # told of every committed change of a branch

    def changed(branch_id: str) -> None:
        for listener in listeners:
            listener(branch_id)

    guard = NumberGuard(runtime.redis) if is_cluster_url(settings.redis_url) else None  # failover: no number twice
    tickets = Tickets(TicketStore(runtime.redis, runtime.outbox, rules, tz, guard), live, clock, changed)
    # undo within 5 s of wall time, whatever the speed of a simulated clock
    windows = Windows(window_store, clock, changed, UNDO_CALL_WITHIN * platform_clock().rate)
    near = NearRule(settings.near_people, settings.near_minutes)
    notices = TicketNotices(
        tickets, ContactStore(runtime.redis), WebhookNotices(webhook) if webhook else LoggedNotices(), near
    )
    listeners.append(notices.mark)
    appointment_notifier = WebhookAppointmentNotices(webhook) if webhook else LoggingNotifier()
    appointments = Appointments(
        AppointmentStore(runtime.redis, tz),
        tickets,
        AppointmentRules(
            settings.appointment_walk_in_share,
            dict(settings.appointment_handling_min),
            CheckInRule(settings.appointment_early_min, settings.appointment_late_min),
            settings.appointment_show_share,
        ),
        appointment_notifier,
        clock,
    )
    live.booked = appointments  # booked appointments add expected arrivals to the forecast at their slots
    reminders = AppointmentReminders(
        appointments.store, appointment_notifier, reader.branches, clock, settings.appointment_reminder_min
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
            workers: list[Worker] = [forecasts, notices, reminders, *([webhook] if webhook else [])]
            tasks = [asyncio.create_task(w.run(), name=f"queue-{type(w).__name__}") for w in workers]
            await vision.start()
            try:
                yield
            finally:
                await vision.stop()
                for worker in workers:
                    worker.stop()
                for task in tasks:
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
    app.state.phone_tickets = PhoneTickets(tickets, key, near)
    app.state.notices = notices
    app.state.windows = windows
    app.state.appointments = appointments
    app.state.overview = QueueOverview(live, reader, clock)
    app.state.handlers = handlers
    app.state.forecasts = forecasts
    app.state.vision = vision
    return app


def _notice_webhook(settings: QueueSettings) -> SignedWebhook | None:
    if not settings.notice_webhook_url:
        return None
    return SignedWebhook(
        settings.notice_webhook_url,
        settings.notice_webhook_secret.get_secret_value().encode(),
        channel="queue-notices",
        event_type=NOTICE_TYPE,
        key="notice",
        retries=settings.notice_webhook_retries,
        backoff_s=1.0,
        queue_size=10_000,
    )
