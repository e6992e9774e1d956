"""Fan-out of Kafka events to browser streams. A slow browser loses its oldest items, never slows Kafka."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from prometheus_client import Counter, Gauge

from services.gateway.domain.filters import StreamFilter, TypeFilter
from services.gateway.domain.replay import RecentEvents, StreamItem

DROPPED = Counter("branchops_gateway_stream_dropped_total", "Items dropped for slow subscribers")
SUBSCRIBERS = Gauge("branchops_gateway_stream_subscribers", "Open SSE streams")
ALL_BRANCHES = "*"  # subscription key of the head-office stream


class Subscription:
    def __init__(self, branch_id: str, maxsize: int, accepts: StreamFilter | None = None) -> None:
        self.branch_id = branch_id
        self.accepts: StreamFilter = accepts or TypeFilter(frozenset())
        self.queue: asyncio.Queue[StreamItem] = asyncio.Queue(maxsize)
        self.dropped = 0

    def offer(self, item: StreamItem) -> None:
        if not self.accepts(item):
            return
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
        self._all = RecentEvents(replay_capacity * 4)
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._queue_size = subscriber_queue

    def publish(self, item: StreamItem) -> bool:
        """Offer to the branch's and the all-branch subscribers; False for a repeated event id."""
        if not self._recent[item.branch_id].add(item):
            return False
        self._all.add(item)
        for key in (item.branch_id, ALL_BRANCHES):
            for sub in list(self._subs.get(key, ())):
                sub.offer(item)
        return True

    def subscribe(self, branch_id: str, accepts: StreamFilter | None = None) -> Subscription:
        sub = Subscription(branch_id, self._queue_size, accepts)
        self._subs[branch_id].add(sub)
        SUBSCRIBERS.inc()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.branch_id)
        if subs and sub in subs:
            subs.discard(sub)
            SUBSCRIBERS.dec()

    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subs.values())

    def replay(
        self, branch_id: str, last_event_id: str | None, accepts: StreamFilter | None = None
    ) -> tuple[list[StreamItem], bool]:
        recent = self._all if branch_id == ALL_BRANCHES else self._recent.get(branch_id)
        if recent is None:
            return [], not last_event_id
        items, complete = recent.after(last_event_id)
        return ([i for i in items if accepts is None or accepts(i)], complete)
