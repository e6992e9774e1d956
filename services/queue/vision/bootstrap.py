"""Composition root of the camera side: the one place that builds its adapters.

``build_vision`` gives the queue service (services/queue/bootstrap.py) and the camera-only app their
``VisionService``: events through the queue service's Redis outbox, camera configs kept in its Redis.
``build_app`` is the camera-only app (app.py) for deployments that run cameras apart from the ticket API
(deploy/k8s queue-cameras, one shard per pod): health, readiness, metrics and the camera API of this
shard's cameras; the queue's relay (or this one, whichever holds the lease) publishes the events. The queue
service itself then runs with ``QUEUE_VISION_ENABLED=false``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from services.queue.settings import QueueSettings
from services.queue.vision.adapters.config_store import CameraConfigStore
from services.queue.vision.adapters.event_sink import OutboxSink
from services.queue.vision.adapters.source_guard import SourceGuard
from services.queue.vision.routes import cameras
from services.queue.vision.settings import VisionSettings
from services.queue.vision.usecases.cameras import VisionService


def build_vision(settings: VisionSettings, runtime: ServiceRuntime) -> VisionService:
    guard = SourceGuard(settings.source_policy())
    return VisionService(settings, OutboxSink(runtime.outbox), CameraConfigStore(runtime.redis), guard)


def build_app(settings: QueueSettings, vision_settings: VisionSettings, platform: PlatformSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    vision = build_vision(vision_settings, runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            await vision.start()
            try:
                yield
            finally:
                await vision.stop()

    app = create_service_app(
        "queue-cameras",
        platform,
        lifespan=lifespan,
        routers=[cameras.router],
        description="Camera workers of one shard: foot-traffic counts, never frames",
    )
    app.state.vision = vision
    return app
