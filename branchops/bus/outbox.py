"""Transactional outbox in Redis: state and its event are written in one atomic step; a relay publishes.

A route that changes state stages the encoded CloudEvent in the same MULTI/Lua call (see
:func:`outbox_entry`), so an accepted change always gets its event out, even when the broker is down at
that moment. The relay publishes oldest first and deletes an entry only after the broker acknowledged
it; a crash in between republishes the same event id, which consumers drop as a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis.asyncio as aioredis

from branchops.bus.errors import is_transient
from branchops.bus.producer import EventPublisher
from branchops.contracts import Topic, encode, new_event
from branchops.contracts.base import EventData
from branchops.state.keys import global_key

log = logging.getLogger(__name__)


def outbox_key(service: str) -> str:
    return global_key(service, "outbox")


def outbox_entry(topic: Topic, data: EventData, *, source: str) -> dict[str, bytes]:
    """Fields of one stream entry (pass to XADD inside the same transaction as the state change)."""
    event = new_event(topic, data, source=source)
    return {"topic": topic.name.encode(), "key": data.branch_id.encode(), "value": encode(event)}


class OutboxRelay:
    def __init__(self, redis: aioredis.Redis, publisher: EventPublisher, stream: str, batch: int = 500):
        self._redis = redis
        self._publisher = publisher
        self._stream = stream
        self._batch = batch
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()

    def notify(self) -> None:
        """Something was staged: relay now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def pending(self) -> int:
        return int(await self._redis.xlen(self._stream))

    async def run(self, poll_s: float = 0.5) -> None:
        delay = 0.1
        while not self._stop.is_set():
            try:
                moved = await self.relay_once()
                delay = 0.1
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("outbox relay error")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if moved == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), poll_s)
        await self._drain_quietly()

    async def relay_once(self) -> int:
        entries = await self._redis.xrange(self._stream, "-", "+", count=self._batch)
        for entry_id, fields in entries:
            await self._publisher.send_raw(fields[b"topic"].decode(), fields[b"value"], key=fields[b"key"])
            await self._redis.xdel(self._stream, entry_id)
        return len(entries)

    async def _drain_quietly(self) -> None:
        try:
            while await self.relay_once():
                pass
        except Exception as exc:  # what is left stays in Redis for the next start
            log.warning("outbox not drained at stop: %s", exc)
