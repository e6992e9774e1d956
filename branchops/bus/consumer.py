"""Consumer runner: commit after success, retries with backoff, dead letters, dedup, drain on stop.

Per message: decode and validate (invalid -> DLQ at once); drop if its event id was handled already;
call the handler; a ``PermanentError`` goes to the DLQ at once, another exception is retried
``retries`` times with exponential backoff and then dead-lettered; an infrastructure outage (Redis or
Kafka unreachable) is retried until it passes, never dead-lettered. Offsets are committed per
partition after every message of the fetched batch was handled or dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, TopicPartition

from branchops.bus import metrics as m
from branchops.bus.dedup import Deduplicator
from branchops.bus.errors import PermanentError, is_transient
from branchops.bus.loop import ConsumerLoop, Record
from branchops.bus.producer import EventPublisher
from branchops.contracts import CloudEvent, EventDecodeError, Topic, decode
from branchops.settings import PlatformSettings

log = logging.getLogger(__name__)

Handler = Callable[[CloudEvent[Any]], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerConfig:
    group_id: str
    retries: int = 3
    backoff_ms: int = 100
    max_backoff_ms: int = 5_000
    dedup_ttl_s: int = 24 * 3600
    max_records: int = 1000
    auto_offset_reset: str = "earliest"


class ConsumerRunner(ConsumerLoop):
    _config: ConsumerConfig

    def __init__(
        self,
        settings: PlatformSettings,
        config: ConsumerConfig,
        *,
        redis: aioredis.Redis,
        publisher: EventPublisher,
        handlers: Mapping[Topic, Handler],
    ) -> None:
        if not handlers:
            raise ValueError("a consumer runner needs at least one handler")
        self._settings = settings
        self._config = config
        self._publisher = publisher
        self._handlers = {t.name: (t, h) for t, h in handlers.items()}
        self._dedup = Deduplicator(redis, config.group_id, config.dedup_ttl_s)
        self._stop = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._last_lag_update = 0.0
        self._success_metrics = {
            name: (m.HANDLER_SECONDS.labels(name, config.group_id), m.CONSUMED.labels(name, config.group_id))
            for name in self._handlers
        }
        self.running = False

    @property
    def connected(self) -> bool:
        return self._consumer is not None

    def stop(self) -> None:
        """Ask the runner to finish the batch in hand, commit it and return from :meth:`run`."""
        self._stop.set()

    async def _session(self) -> None:
        consumer = self._new_consumer(self._handlers)
        await consumer.start()
        self._consumer = consumer
        try:
            while not self._stop.is_set():
                batch = await consumer.getmany(timeout_ms=200, max_records=self._config.max_records)
                offsets = {tp: await self._handle_partition(tp, records) for tp, records in batch.items()}
                if offsets:
                    await self._commit(consumer, offsets)
                await self._update_lag(consumer)
        finally:
            self._consumer = None
            await consumer.stop()

    async def _handle_partition(self, tp: TopicPartition, records: list[Record]) -> int:
        """Handle (or dead-letter) every record; return the offset to commit."""
        topic, handler = self._handlers[tp.topic]
        group = self._config.group_id
        decoded: list[CloudEvent[Any] | EventDecodeError] = []
        for record in records:
            try:
                decoded.append(decode(topic, record.value or b""))
            except EventDecodeError as exc:
                decoded.append(exc)
        ids = [e.id for e in decoded if isinstance(e, CloudEvent)]
        scope = f"{tp.topic}:{tp.partition}"
        seen_before = dict(zip(ids, await self._infra(lambda: self._dedup.seen(scope, ids)), strict=True))
        done: list[str] = []
        done_set: set[str] = set()
        for record, event in zip(records, decoded, strict=True):
            if isinstance(event, EventDecodeError):
                await self._dead_letter(record, event)
                continue
            if seen_before.get(event.id) or event.id in done_set:
                m.DUPLICATES.labels(tp.topic, group).inc()
                continue
            await self._handle_one(record, event, handler)
            done.append(event.id)
            done_set.add(event.id)
        await self._infra(lambda: self._dedup.mark(scope, done))
        return int(records[-1].offset) + 1

    async def _handle_one(self, record: Record, event: CloudEvent[Any], handler: Handler) -> None:
        group = self._config.group_id
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                await handler(event)
            except PermanentError as exc:
                m.FAILED.labels(record.topic, group).inc()
                await self._dead_letter(record, exc)
                return
            except Exception as exc:
                m.FAILED.labels(record.topic, group).inc()
                if is_transient(exc):
                    log.warning("transient failure on %s@%s: %s", record.topic, record.offset, exc)
                    await self._sleep(self._backoff(attempt))
                    attempt = min(attempt + 1, 16)
                    continue
                if attempt >= self._config.retries:
                    log.error("handler failed %d times on %s@%s: %r", attempt + 1, record.topic, record.offset, exc)
                    await self._dead_letter(record, exc)
                    return
                await self._sleep(self._backoff(attempt))
                attempt += 1
                continue
            seconds, consumed = self._success_metrics[record.topic]
            seconds.observe(time.perf_counter() - started)
            consumed.inc()
            return
