"""Transactional outbox in Redis: state and its event are written in one atomic step; a relay publishes.

A change stages its encoded CloudEvent in a per-branch stream inside the same MULTI/EXEC as the state
(see :meth:`Outbox.stage`), so an accepted change always gets its event out, even when the broker is
down at that moment. Per-branch streams keep each transaction inside one Redis Cluster slot; the set of
branches with an outbox is announced *before* the transaction (an extra member is harmless, a missing
one is impossible). One relay per service holds a lease, so replicas do not publish the same entries
twice; it publishes oldest first and deletes an entry only after the broker acknowledged it. A crash in
between republishes the same event id, which consumers drop as a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from branchops.bus.errors import is_transient
from branchops.bus.producer import EventPublisher
from branchops.contracts import Topic, encode, new_event
from branchops.contracts.base import EventData
from branchops.state.keys import branch_key, global_key

log = logging.getLogger(__name__)
LEASE_MS = 5000
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""


class Outbox:
    def __init__(self, redis: aioredis.Redis, service: str, *, source: str, instance: str) -> None:
        self._redis = redis
        self.service = service
        self.source = source
        self.instance = instance
        self.branches_key = global_key(service, "outbox", "branches")
        self.lease_key = global_key(service, "outbox", "lease")
        self._renew = redis.register_script(_RENEW)
        self.wake = asyncio.Event()

    def stream(self, branch_id: str) -> str:
        return branch_key(self.service, branch_id, "outbox")

    async def announce(self, branch_id: str) -> None:
        """Call before a transaction that stages events of ``branch_id``."""
        await self._redis.sadd(self.branches_key, branch_id)

    def announce_in(self, pipe: Pipeline, branch_id: str) -> None:
        """:meth:`announce` as part of a (non-transactional) pipeline the caller runs before its transaction."""
        pipe.sadd(self.branches_key, branch_id)

    def stage(self, pipe: Pipeline, topic: Topic, data: EventData) -> None:
        """Add the event to the transaction in ``pipe`` (after ``pipe.multi()``)."""
        event = new_event(topic, data, source=self.source)
        entry = {"topic": topic.name, "key": data.branch_id, "value": encode(event)}
        pipe.xadd(self.stream(data.branch_id), cast(dict[Any, Any], entry))

    def notify(self) -> None:
        """Something was staged: relay now rather than at the next poll."""
        self.wake.set()

    async def pending(self) -> int:
        return sum([int(await self._redis.xlen(self.stream(b))) for b in await self.branches()])

    async def branches(self) -> list[str]:
        members = cast(set[bytes], await self._redis.smembers(self.branches_key))
        return sorted(m.decode() for m in members)

    async def hold_lease(self) -> bool:
        return bool(await self._renew(keys=[self.lease_key], args=[self.instance, LEASE_MS]))


class OutboxRelay:
    """``ensure_topics`` (dev broker only) runs before the first publish and after any failure: tansu
    forgets its topics in a restart and then takes a produce into a topic it creates on the fly with one
    partition, where events of other partitions would be lost."""

    def __init__(self, outbox: Outbox, publisher: EventPublisher, batch: int = 500,
                 ensure_topics: Callable[[], Awaitable[object]] | None = None) -> None:
        self._outbox = outbox
        self._redis = outbox._redis
        self._publisher = publisher
        self._batch = batch
        self._stop = asyncio.Event()
        self._ensure_topics = ensure_topics
        self._topics_checked = False

    def stop(self) -> None:
        self._stop.set()
        self._outbox.wake.set()

    async def run(self, poll_s: float = 0.5) -> None:
        delay = 0.1
        while not self._stop.is_set():
            try:
                moved = await self.relay_once() if await self._outbox.hold_lease() else 0
                delay = 0.1
            except Exception as exc:
                self._topics_checked = False
                if not is_transient(exc):
                    log.exception("outbox relay error")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if moved == 0:
                self._outbox.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._outbox.wake.wait(), poll_s)
        await self._drain_quietly()

    async def relay_once(self) -> int:
        moved = 0
        for branch in await self._outbox.branches():
            stream = self._outbox.stream(branch)
            entries = cast(list[tuple[bytes, dict[bytes, bytes]]],
                           await self._redis.xrange(stream, "-", "+", count=self._batch))
            if entries and self._ensure_topics is not None and not self._topics_checked:
                await self._ensure_topics()
                self._topics_checked = True
            for entry_id, fields in entries:
                await self._publisher.send_raw(fields[b"topic"].decode(), fields[b"value"], key=fields[b"key"])
                await self._redis.xdel(stream, entry_id)
            moved += len(entries)
        return moved

    async def _drain_quietly(self) -> None:
        try:
            if await self._outbox.hold_lease():
                while await self.relay_once():
                    pass
            await self._redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end",
                                   1, self._outbox.lease_key, self._outbox.instance)
        except Exception as exc:  # what is left stays in Redis for the next start
            log.warning("outbox not drained at stop: %s", exc)
