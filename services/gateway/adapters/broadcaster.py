"""Fan-out of Kafka events to browser streams. A slow browser loses its oldest items, never slows Kafka."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from prometheus_client import Counter, Gauge

from services.gateway.domain.replay import RecentEvents, StreamItem

DROPPED = Counter("branchops_gateway_stream_dropped_total", "Items dropped for slow subscribers")
SUBSCRIBERS = Gauge("branchops_gateway_stream_subscribers", "Open SSE streams")


class Subscription:
    def __init__(self, branch_id: str, maxsize: int) -> None:
        self.branch_id = branch_id
        self.queue: asyncio.Queue[StreamItem] = asyncio.Queue(maxsize)
        self.dropped = 0

    def offer(self, item: StreamItem) -> None:
        while True:
            try:
                self.queue.put_nowait(item)
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()  # drop the oldest: the browser catches up from the newest state
                self.dropped += 1
                DROPPED.inc()


class Broadcaster:
    def __init__(self, *, replay_capacity: int = 1000, subscriber_queue: int = 256) -> None:
        self._recent: dict[str, RecentEvents] = defaultdict(lambda: RecentEvents(replay_capacity))
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._queue_size = subscriber_queue

    def publish(self, item: StreamItem) -> None:
        if not self._recent[item.branch_id].add(item):
            return
        for sub in list(self._subs.get(item.branch_id, ())):
            sub.offer(item)

    def subscribe(self, branch_id: str) -> Subscription:
        sub = Subscription(branch_id, self._queue_size)
        self._subs[branch_id].add(sub)
        SUBSCRIBERS.inc()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.branch_id)
        if subs and sub in subs:
            subs.discard(sub)
            SUBSCRIBERS.dec()

    def replay(self, branch_id: str, last_event_id: str | None) -> tuple[list[StreamItem], bool]:
        return self._recent[branch_id].after(last_event_id)
