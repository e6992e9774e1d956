"""What every service runs beside its routes: Redis, the publisher, consumers and the outbox relay.

The broker may be down when a service starts: the runtime keeps trying in the background and
``/readyz`` stays red until Kafka and Redis answer, then turns green by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from branchops.bus import ConsumerConfig, ConsumerRunner, EventPublisher, Handler
from branchops.bus.admin import create_topics, topic_specs
from branchops.bus.outbox import Outbox, OutboxRelay
from branchops.contracts import Topic
from branchops.settings import PlatformSettings, ServiceSettings
from branchops.state import create_redis, redis_ready
from branchops.web.health import ReadinessCheck

log = logging.getLogger(__name__)


class ServiceRuntime:
    def __init__(self, service: ServiceSettings, platform: PlatformSettings) -> None:
        self.service = service
        self.platform = platform
        self.name = type(service).service_name
        self.source = f"branchops/{self.name}/{platform.instance}"
        self.redis = create_redis(service.redis_url)
        self.publisher = EventPublisher(platform, source=self.source)
        self.outbox = Outbox(self.redis, self.name, source=self.source, instance=platform.instance)
        self.relay = OutboxRelay(
            self.outbox, self.publisher, ensure_topics=self._ensure_topics if platform.kafka_create_topics else None
        )
        self.consumers: list[ConsumerRunner] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._connect_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.extra_checks: dict[str, ReadinessCheck] = {}

    def add_consumer(
        self, handlers: Mapping[Topic, Handler], *, group_id: str | None = None, auto_offset_reset: str = "earliest"
    ) -> ConsumerRunner:
        config = ConsumerConfig(
            group_id=group_id or self.service.group_id,
            retries=self.service.handler_retries,
            backoff_ms=self.service.retry_backoff_ms,
            dedup_ttl_s=self.service.dedup_ttl_s,
            auto_offset_reset=auto_offset_reset,
        )
        runner = ConsumerRunner(self.platform, config, redis=self.redis, publisher=self.publisher, handlers=handlers)
        self.consumers.append(runner)
        return runner

    def readiness(self) -> dict[str, ReadinessCheck]:
        checks: dict[str, ReadinessCheck] = {
            "redis": lambda: redis_ready(self.redis),
            "kafka": self.publisher.ready,
        }
        if self.consumers:
            checks["consumers"] = self._consumers_ready
        checks.update(self.extra_checks)
        return checks

    async def _consumers_ready(self) -> tuple[bool, str]:
        waiting = [c for c in self.consumers if not c.connected]
        return (not waiting, "ok" if not waiting else f"{len(waiting)} consumer(s) not connected")

    async def start(self) -> None:
        self._connect_task = asyncio.create_task(self._connect_publisher(), name="publisher-connect")

    async def _connect_publisher(self) -> None:
        delay = 0.2
        while True:
            try:
                await self.publisher.start()
                break
            except Exception as exc:
                log.warning("kafka not reachable yet (%s); retrying in %.1f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        if self.platform.kafka_create_topics:
            self._tasks.append(asyncio.create_task(self._keep_topics(), name="topic-keeper"))
        for runner in self.consumers:
            self._tasks.append(asyncio.create_task(runner.run(), name=f"consumer-{runner}"))

    async def _ensure_topics(self) -> list[str]:
        created = await create_topics(self.platform.kafka_bootstrap, topic_specs(), timeout_ms=3000)
        if created:
            log.warning("recreated %d missing topics on the broker", len(created))
        return created

    async def _keep_topics(self, every_s: float = 3.0) -> None:
        """Dev broker only: recreate topics it forgot in a restart, so producers and consumers carry on."""
        while not self._stopping.is_set():
            try:
                await self._ensure_topics()
            except Exception as exc:
                log.info("topic check failed (%s); broker away?", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), every_s)

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Drain: consumers finish their batch and commit, the outbox flushes, then connections close."""
        self._stopping.set()
        if self._connect_task is not None and not self._connect_task.done():
            self._connect_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connect_task
        for runner in self.consumers:
            runner.stop()
        self.relay.stop()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=timeout_s)
            for task in pending:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.publisher.stop()
        await self.redis.aclose()

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        """FastAPI lifespan: readiness checks in place, start in the background, drain at shutdown."""
        app.state.readiness = self.readiness()
        app.state.runtime = self
        await self.start()
        try:
            yield
        finally:
            await self.stop()
