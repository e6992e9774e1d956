"""Camera workers on their own (``uvicorn --factory services.queue.vision.app:create_app``).

For deployments that run cameras apart from the ticket API (deploy/k8s queue-cameras, one shard per
pod): health, readiness, metrics and the camera API of this shard's cameras; events go through the
queue service's Redis outbox, so the queue's relay (or this one, whichever holds the lease) publishes
them. The queue service itself then runs with ``QUEUE_VISION_ENABLED=false``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from services.queue.settings import QueueSettings
from services.queue.vision import router as cameras
from services.queue.vision.service import OutboxSink, VisionService
from services.queue.vision.settings import VisionSettings


def build_app(settings: QueueSettings, vision_settings: VisionSettings, platform: PlatformSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    vision = VisionService(vision_settings, OutboxSink(runtime.outbox), runtime.redis)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            await vision.start()
            try:
                yield
            finally:
                await vision.stop()

    app = create_service_app("queue-cameras", platform, lifespan=lifespan, routers=[cameras.router],
                             description="Camera workers of one shard: foot-traffic counts, never frames")
    app.state.vision = vision
    return app


def create_app() -> FastAPI:
    return build_app(QueueSettings(), VisionSettings(), PlatformSettings())
