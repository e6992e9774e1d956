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
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol, TypeAlias

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError
from aiokafka.structs import ConsumerRecord

from branchops.bus import metrics as m
from branchops.bus.deadletter import dlq_headers, dlq_topic
from branchops.bus.errors import is_transient
from branchops.bus.producer import EventPublisher
from branchops.settings import PlatformSettings

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
    @property
    def max_records(self) -> int: ...
    @property
    def auto_offset_reset(self) -> str: ...


class ConsumerLoop:
    """Base of a consumer loop; the subclass sets the attributes below in its ``__init__`` and writes
    :meth:`_session` (one connection's consume loop)."""

    _settings: PlatformSettings
    _config: LoopConfig
    _publisher: EventPublisher
    _stop: asyncio.Event
    _last_lag_update: float
    running: bool

    async def run(self) -> None:
        """Consume until stopped; a session that fails for any reason reconnects after a growing pause."""
        self.running = True
        delay = self._config.backoff_ms / 1000
        try:
            while not self._stop.is_set():
                try:
                    await self._session()
                    delay = self._config.backoff_ms / 1000
                except Stopping:
                    break
                except Exception as exc:  # never let the consumer die: reconnect and go on
                    log.warning("consumer %s restarts after %s: %s", self._config.group_id, type(exc).__name__, exc)
                    try:
                        await self._sleep(delay)
                    except Stopping:
                        break
                    delay = min(delay * 2, self._config.max_backoff_ms / 1000)
        finally:
            self.running = False

    async def _session(self) -> None:
        raise NotImplementedError

    def _new_consumer(self, topics: Iterable[str]) -> AIOKafkaConsumer:
        """A consumer of ``topics`` in the loop's group: manual commits, the platform's Kafka settings."""
        return AIOKafkaConsumer(
            *topics,
            bootstrap_servers=self._settings.kafka_bootstrap,
            group_id=self._config.group_id,
            client_id=f"{self._config.group_id}-{self._settings.instance}",
            enable_auto_commit=False,
            auto_offset_reset=self._config.auto_offset_reset,
            fetch_max_wait_ms=self._settings.kafka_fetch_max_wait_ms,
            max_poll_records=self._config.max_records,
            session_timeout_ms=self._settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=self._settings.kafka_heartbeat_ms,
            metadata_max_age_ms=self._settings.kafka_metadata_max_age_ms,
        )

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
