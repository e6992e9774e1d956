"""What every consumer loop shares: the platform's :class:`~branchops.bus.consumer.ConsumerRunner` and a
service's own batch loop (records' history) alike.

Retry pacing that a stop interrupts (:class:`Stopping`: leave without committing), outages of the
broker, Redis or a database retried until they pass, commits that tolerate a rebalance (the new owner
re-reads; consumers drop repeats), dead-lettering with the platform's headers, and the lag gauge.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeAlias

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError
from aiokafka.structs import ConsumerRecord

from branchops.bus import metrics as m
from branchops.bus.deadletter import dlq_headers, dlq_topic
from branchops.bus.errors import is_transient
from branchops.bus.producer import EventPublisher

log = logging.getLogger(__name__)
Record: TypeAlias = "ConsumerRecord[bytes, bytes]"
MAX_DOUBLINGS = 16


class Stopping(Exception):
    """Raised out of a wait when the loop was asked to stop: leave at once, uncommitted."""


class LoopConfig(Protocol):
    @property
    def group_id(self) -> str: ...
    @property
    def backoff_ms(self) -> int: ...
    @property
    def max_backoff_ms(self) -> int: ...


class ConsumerLoop:
    """Base of a consumer loop; the subclass sets the four attributes below in its ``__init__``."""

    _config: LoopConfig
    _publisher: EventPublisher
    _stop: asyncio.Event
    _last_lag_update: float

    def _backoff(self, attempt: int) -> float:
        return float(min(self._config.backoff_ms * 2**attempt, self._config.max_backoff_ms)) / 1000

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but raise :class:`Stopping` at once when asked to stop mid-retry."""
        try:
            await asyncio.wait_for(self._stop.wait(), seconds)
        except TimeoutError:
            return
        raise Stopping

    async def _infra(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """Run an infrastructure call, retrying outages until they pass or the loop stops."""
        attempt = 0
        while True:
            try:
                return await call()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("infrastructure unavailable (%s); retrying", exc)
                await self._sleep(self._backoff(attempt))
                attempt = min(attempt + 1, MAX_DOUBLINGS)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except CommitFailedError as exc:  # rebalanced away: the new owner re-reads, consumers drop repeats
            log.warning("commit failed: %s", exc)

    async def _dead_letter(self, record: Record, error: BaseException) -> None:
        """The record's original bytes to ``<topic>.dlq`` with the error headers (retried through outages)."""
        headers = dlq_headers(record, error, self._config.group_id)
        target = dlq_topic(record.topic)
        await self._infra(
            lambda: self._publisher.send_raw(target, record.value or b"", key=record.key, headers=headers)
        )
        m.DEAD_LETTERED.labels(record.topic, self._config.group_id).inc()
        log.warning("dead-lettered %s@%d:%d -> %s: %s", record.topic, record.partition, record.offset, target, error)

    async def _update_lag(self, consumer: AIOKafkaConsumer) -> None:
        now = time.monotonic()
        if now - self._last_lag_update < 1.0:
            return
        self._last_lag_update = now
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            position = await consumer.position(tp)
            m.LAG.labels(tp.topic, str(tp.partition), self._config.group_id).set(max(high - position, 0))
