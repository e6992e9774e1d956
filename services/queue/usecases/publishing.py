"""queue.forecast.v1: published for a branch soon after each change and at least every interval.

Changes are coalesced: a burst within ``DEBOUNCE_S`` makes one forecast, and a branch is forecast again
no sooner than ``min_gap_s`` after its last one (its pending change then goes out at the end of the gap),
so the cost of forecasts grows with the number of branches, not with their ticket rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math

import redis.asyncio as aioredis

from branchops.bus import EventPublisher
from branchops.contracts import topics
from services.queue.adapters.keys import Keys
from services.queue.adapters.snapshot import SnapshotReader
from services.queue.usecases.clock import Clock
from services.queue.usecases.forecasting import LiveQueue

log = logging.getLogger(__name__)
DEBOUNCE_S = 0.5


class ForecastPublisher:
    def __init__(
        self,
        live: LiveQueue,
        reader: SnapshotReader,
        redis: aioredis.Redis,
        publisher: EventPublisher,
        clock: Clock,
        interval_s: float,
        min_gap_s: float = 0.0,
    ) -> None:
        self._live = live
        self._reader = reader
        self._redis = redis
        self._publisher = publisher
        self._clock = clock
        self._interval_s = interval_s
        self._min_gap_s = min_gap_s
        self._last: dict[str, float] = {}  # branch -> loop time of its last forecast
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
            now = loop.time()
            due = {b for b in branches if now - self._last.get(b, -math.inf) >= self._min_gap_s}
            if branches - due:
                self._dirty |= branches - due  # within their gap: next round
                self._wake.set()
            for branch in sorted(due):
                await self.publish(branch)
                self._last[branch] = loop.time()
            if len(self._last) > 100_000:
                self._last.clear()

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
