"""Composition root of the queue service: the one place that chooses adapters."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI

from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from services.queue.adapters.ticket_store import TicketStore
from services.queue.handlers import Clock, QueueHandlers
from services.queue.routes import tickets
from services.queue.settings import QueueSettings


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_app(settings: QueueSettings, platform: PlatformSettings, *, clock: Clock = _utc_now) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    app = create_service_app("queue", platform, lifespan=runtime.lifespan, routers=[tickets.router],
                             description="Tickets, teller windows, live queue state and wait prediction")
    app.state.handlers = QueueHandlers(TicketStore(runtime.redis, runtime.outbox), runtime.outbox, clock)
    return app
