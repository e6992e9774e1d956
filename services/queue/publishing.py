"""queue.forecast.v1: published for a branch soon after each change and at least every interval."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

import redis.asyncio as aioredis

from branchops.bus import EventPublisher
from branchops.contracts import topics
from services.queue.adapters.keys import Keys
from services.queue.adapters.snapshot import SnapshotReader
from services.queue.forecasting import LiveQueue

log = logging.getLogger(__name__)
DEBOUNCE_S = 0.5


class ForecastPublisher:
    def __init__(self, live: LiveQueue, reader: SnapshotReader, redis: aioredis.Redis, publisher: EventPublisher,
                 clock: Callable[[], dt.datetime], interval_s: float) -> None:
        self._live = live
        self._reader = reader
        self._redis = redis
        self._publisher = publisher
        self._clock = clock
        self._interval_s = interval_s
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self.published = 0

    def mark(self, branch_id: str) -> None:
        self._dirty.add(branch_id)
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        next_full = 0.0
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(next_full - loop.time(), 0.05))
            if self._stop.is_set():
                break
            await asyncio.sleep(DEBOUNCE_S)  # a burst of changes makes one forecast
            self._wake.clear()
            branches, self._dirty = self._dirty, set()
            if loop.time() >= next_full:
                next_full = loop.time() + self._interval_s
                try:
                    branches |= {b for b in await self._reader.branches() if await self._lease(b)}
                except Exception as exc:
                    log.warning("forecast refresh skipped: %s", exc)
            for branch in sorted(branches):
                await self.publish(branch)

    async def _lease(self, branch_id: str) -> bool:
        """Replicas share the periodic refresh: one of them per branch and interval."""
        ttl = max(int(self._interval_s * 1000) - 500, 500)
        return bool(await self._redis.set(Keys(branch_id).forecast_lease, "1", nx=True, px=ttl))

    async def publish(self, branch_id: str) -> bool:
        try:
            forecast = await self._live.forecast(branch_id, self._clock())
            await self._publisher.publish(topics.QUEUE_FORECAST, forecast)
        except Exception as exc:  # Kafka or Redis away: the next round tries again
            log.warning("forecast for %s not published: %s", branch_id, exc)
            return False
        self.published += 1
        return True
