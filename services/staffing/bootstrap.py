"""Composition root of the staffing service."""

from __future__ import annotations

from fastapi import FastAPI

from branchops.contracts import topics
from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from services.staffing.adapters.ticket_counts import TicketCounts
from services.staffing.handlers import StaffingHandlers
from services.staffing.routes import counts
from services.staffing.settings import StaffingSettings


def build_app(settings: StaffingSettings, platform: PlatformSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    handlers = StaffingHandlers(TicketCounts(runtime.redis))
    runtime.add_consumer({topics.TICKETS: handlers.on_ticket})
    app = create_service_app("staffing", platform, lifespan=runtime.lifespan, routers=[counts.router],
                             description="Window and shift planning with CP-SAT, intraday alerts")
    app.state.handlers = handlers
    return app
