"""Composition root of the gateway."""

from __future__ import annotations

from fastapi import FastAPI

from branchops.contracts import ALL_TOPICS
from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from services.gateway.adapters.broadcaster import Broadcaster
from services.gateway.handlers import GatewayHandlers
from services.gateway.routes import stream
from services.gateway.settings import GatewaySettings


def build_app(settings: GatewaySettings, platform: PlatformSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    broadcaster = Broadcaster(replay_capacity=settings.replay_capacity, subscriber_queue=settings.subscriber_queue)
    handlers = GatewayHandlers(broadcaster)
    # Every gateway instance needs every event: its own consumer group, starting from now.
    runtime.add_consumer({t: handlers.on_event for t in ALL_TOPICS},
                         group_id=f"{settings.group_id}-{platform.instance}", auto_offset_reset="latest")
    app = create_service_app("gateway", platform, lifespan=runtime.lifespan, routers=[stream.router],
                             description="Manager dashboard, kiosk pages, head-office view and live streams")
    app.state.broadcaster = broadcaster
    return app
