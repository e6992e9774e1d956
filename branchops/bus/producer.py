"""Event publisher on aiokafka: acks=all, tuned batching, idempotence as a setting."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, cast

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from branchops.bus.envelope_bytes import EnvelopeWriter
from branchops.bus.metrics import PUBLISH_FAILED, PUBLISHED
from branchops.contracts import CloudEvent, Topic, encode, new_event
from branchops.contracts.base import EventData
from branchops.settings import PlatformSettings

log = logging.getLogger(__name__)

Headers = Sequence[tuple[str, bytes]]


class BusUnavailable(RuntimeError):
    """The broker cannot be reached now; the caller should answer 503 and retry later."""


def producer_options(settings: PlatformSettings) -> dict[str, Any]:
    """The options our producer runs with (shared with the benchmark's raw baseline)."""
    return {
        "bootstrap_servers": settings.kafka_bootstrap,
        "client_id": f"branchops-{settings.instance}",
        "acks": "all",
        "enable_idempotence": settings.kafka_idempotence,
        "linger_ms": settings.kafka_linger_ms,
        "max_batch_size": settings.kafka_max_batch_bytes,
        "compression_type": settings.kafka_compression,
        "request_timeout_ms": 15_000,
        "metadata_max_age_ms": settings.kafka_metadata_max_age_ms,
        "retry_backoff_ms": 100,
    }


class EventPublisher:
    """Publishes CloudEvents keyed by branch id. ``publish`` returns once the broker acknowledged."""

    def __init__(self, settings: PlatformSettings, *, source: str) -> None:
        self._settings = settings
        self._source = source
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._envelopes = EnvelopeWriter(source)
        self._counters: dict[str, Callable[[asyncio.Future[Any]], None]] = {}

    @property
    def started(self) -> bool:
        return self._producer is not None

    async def start(self) -> None:
        async with self._lock:
            if self._producer is not None:
                return
            producer = AIOKafkaProducer(**producer_options(self._settings))
            try:
                await producer.start()
            except Exception:
                await producer.stop()
                raise
            self._producer = producer

    async def stop(self) -> None:
        async with self._lock:
            if self._producer is not None:
                producer, self._producer = self._producer, None
                await producer.stop()  # flushes what is batched

    async def ready(self, timeout_s: float = 2.0) -> tuple[bool, str]:
        if self._producer is None:
            return False, "kafka producer not connected"
        try:
            await asyncio.wait_for(self._producer.client.fetch_all_metadata(), timeout_s)
        except (KafkaError, TimeoutError, OSError) as exc:
            return False, f"kafka unreachable: {type(exc).__name__}"
        return True, "ok"

    def _require(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise BusUnavailable("kafka producer not connected")
        return self._producer

    async def publish(self, topic: Topic, data: EventData, *, event_id: str | None = None) -> CloudEvent[Any]:
        """Wrap, send and wait for the broker's acknowledgement."""
        event = new_event(topic, data, source=self._source, event_id=event_id)
        await self.send_raw(topic.name, encode(event), key=data.branch_id.encode())
        return event

    async def publish_nowait(self, topic: Topic, data: EventData) -> asyncio.Future[Any]:
        """Queue into the current batch; await the returned future for the acknowledgement."""
        return await self.send_raw_nowait(topic.name, self._envelopes.value(topic, data), key=data.branch_id.encode())

    async def send_raw_nowait(self, topic: str, value: bytes, *, key: bytes | None) -> asyncio.Future[Any]:
        """Queue into the current batch (records of one key keep their order); await the returned future
        for the acknowledgement."""
        producer = self._require()
        try:
            fut = await producer.send(topic, value, key=key)
        except KafkaError as exc:
            PUBLISH_FAILED.labels(topic).inc()
            raise BusUnavailable(f"publish to {topic} failed: {type(exc).__name__}: {exc}") from exc
        fut.add_done_callback(self._counter(topic))
        return cast(asyncio.Future[Any], fut)

    def _counter(self, topic: str) -> Callable[[asyncio.Future[Any]], None]:
        """The done-callback that counts a send's outcome (one per topic: no allocation per message)."""
        counter = self._counters.get(topic)
        if counter is None:
            counter = self._counters[topic] = _outcome_counter(topic)
        return counter

    async def send_raw(self, topic: str, value: bytes, *, key: bytes | None, headers: Headers = ()) -> None:
        producer = self._require()
        try:
            await producer.send_and_wait(topic, value, key=key, headers=list(headers) or None)
        except KafkaError as exc:
            PUBLISH_FAILED.labels(topic).inc()
            raise BusUnavailable(f"publish to {topic} failed: {type(exc).__name__}: {exc}") from exc
        PUBLISHED.labels(topic).inc()


def _outcome_counter(topic: str) -> Callable[[asyncio.Future[Any]], None]:
    published, failed = PUBLISHED.labels(topic), PUBLISH_FAILED.labels(topic)

    def count(fut: asyncio.Future[Any]) -> None:
        if fut.cancelled() or fut.exception() is not None:
            failed.inc()
        else:
            published.inc()

    return count
