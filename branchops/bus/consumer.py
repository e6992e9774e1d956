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
import re
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
_ID_HINT = re.compile(rb'"id"\s*:\s*"([^"\\]{1,128})"')

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
        self._duplicates = {name: m.DUPLICATES.labels(name, config.group_id) for name in self._handlers}
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
        """Handle (or dead-letter) every record; return the offset to commit.

        One Redis round trip asks which ids were handled before, for ids read from the raw bytes
        (:func:`id_hint`); each record is then decoded, handled and dropped in turn, so a batch's events
        are never all alive at once (they would outlive the young garbage-collector generations and make
        full collections frequent). A record whose decoded id is not its hint is checked on its own."""
        topic, handler = self._handlers[tp.topic]
        scope = f"{tp.topic}:{tp.partition}"
        hints = [id_hint(record.value) for record in records]
        known = [h for h in hints if h is not None]
        seen_before = dict(zip(known, await self._infra(lambda: self._dedup.seen(scope, known)), strict=True))
        seconds, consumed = self._success_metrics[tp.topic]
        done: list[str] = []
        done_set: set[str] = set()
        handled = 0
        try:
            for record, hint in zip(records, hints, strict=True):
                try:
                    event = decode(topic, record.value or b"")
                except EventDecodeError as exc:
                    await self._dead_letter(record, exc)
                    continue
                if event.id in done_set or await self._seen(scope, event.id, hint, seen_before):
                    self._duplicates[tp.topic].inc()
                    continue
                started = time.perf_counter()
                try:
                    await handler(event)
                except Exception as exc:
                    await self._after_failure(record, event, handler, exc)
                else:
                    seconds.observe(time.perf_counter() - started)
                    handled += 1
                done.append(event.id)
                done_set.add(event.id)
        finally:
            consumed.inc(handled)
        await self._infra(lambda: self._dedup.mark(scope, done))
        return int(records[-1].offset) + 1

    async def _seen(self, scope: str, event_id: str, hint: str | None, seen_before: dict[str, bool]) -> bool:
        if event_id == hint:
            return seen_before[event_id]
        flags = await self._infra(lambda: self._dedup.seen(scope, [event_id]))
        return bool(flags[0])

    async def _after_failure(self, record: Record, event: CloudEvent[Any], handler: Handler, error: Exception) -> None:
        """The handler raised ``error`` on its first attempt: dead-letter it, or retry (see the module)."""
        group = self._config.group_id
        attempt = 0
        while True:
            if isinstance(error, PermanentError):
                m.FAILED.labels(record.topic, group).inc()
                await self._dead_letter(record, error)
                return
            m.FAILED.labels(record.topic, group).inc()
            if is_transient(error):
                log.warning("transient failure on %s@%s: %s", record.topic, record.offset, error)
                await self._sleep(self._backoff(attempt))
                attempt = min(attempt + 1, 16)
            elif attempt >= self._config.retries:
                log.error("handler failed %d times on %s@%s: %r", attempt + 1, record.topic, record.offset, error)
                await self._dead_letter(record, error)
                return
            else:
                await self._sleep(self._backoff(attempt))
                attempt += 1
            started = time.perf_counter()
            try:
                await handler(event)
            except Exception as exc:
                error = exc
                continue
            seconds, consumed = self._success_metrics[record.topic]
            seconds.observe(time.perf_counter() - started)
            consumed.inc()
            return


def id_hint(value: bytes | None) -> str | None:
    """The first ``"id":"..."`` in a record's bytes: the envelope's id when the producer wrote it before
    ``data`` (ours always do), else a wrong guess that :meth:`ConsumerRunner._seen` detects."""
    found = _ID_HINT.search(value) if value else None
    return found.group(1).decode(errors="replace") if found else None
