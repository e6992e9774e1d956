"""A consumer that hands each fetched batch (every partition's records together) to one handler call.

The platform's ConsumerRunner (branchops/bus/consumer.py) calls its handler once per message and dedups in
Redis; records writes a batch in one PostgreSQL transaction and dedups there (by event id, in that same
transaction). The guarantees are ADR 0002's, kept here for a batch:

- **Commit after success.** Offsets of every partition in the batch are committed only after the handler
  returned for the whole batch (for records: after its transaction committed) or the records at fault were
  dead-lettered. Stopping mid-retry commits nothing: the batch is read again.
- **Undecodable or invalid envelopes** (and ``PermanentError``, or any other non-transient error, from the
  decoder) go to ``<topic>.dlq`` at once, with the platform's headers; the rest of the batch goes on.
- **Outages** (``transient(exc)``: the database or Kafka away, a lock timeout) are retried with backoff until
  they pass, never dead-lettered: the consumer stalls and commits nothing meanwhile.
- **Other failures** are retried ``retries`` times with backoff; then the batch is split in halves, each tried
  once, down to single records, and a single record that still fails (after its own ``retries``) is
  dead-lettered. One poisoned event costs a few extra transactions, not the batch.

Two batches overlap: while batch N is being handled (mostly waiting for PostgreSQL), batch N+1 is fetched and
decoded, a slice at a time so that N's next statement leaves as soon as the previous one returned. N+1 is
handed over only after N was handled and committed, so commits stay in order; a batch fetched but not handed
over when the consumer stops is not committed, and is read again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition

from branchops.bus import metrics as m
from branchops.bus.errors import PermanentError, is_transient
from branchops.bus.loop import ConsumerLoop, Record, Stopping
from branchops.bus.producer import EventPublisher
from branchops.contracts import EventDecodeError, Topic
from branchops.settings import PlatformSettings

log = logging.getLogger(__name__)
DECODE_SLICE = 200
"""Records decoded between two yields to the event loop while the previous batch is being stored."""
T = TypeVar("T")


@dataclass(frozen=True)
class BatchConsumerConfig:
    group_id: str
    max_records: int = 2000
    retries: int = 3
    backoff_ms: int = 100
    max_backoff_ms: int = 5_000
    auto_offset_reset: str = "earliest"


@dataclass
class BatchStats:
    """What the consumer did (benchmarks and tests read it). Times are ``time.perf_counter()`` values."""

    first_consumed: float | None = None
    last_committed: float | None = None
    committed: int = 0
    dead_lettered: int = 0
    batches: int = 0
    handling_s: float = 0.0
    """Time spent in the handler (successful calls), e.g. waiting for PostgreSQL."""
    decoding_s: float = 0.0
    """Time spent decoding fetched records (and dead-lettering the invalid ones)."""
    outages: int = 0
    """Handler calls that met an outage (the database away...) and were tried again."""


class BatchConsumer(ConsumerLoop, Generic[T]):
    _config: BatchConsumerConfig

    def __init__(
        self,
        settings: PlatformSettings,
        config: BatchConsumerConfig,
        *,
        topics: Sequence[Topic],
        publisher: EventPublisher,
        decode: Callable[[Topic, bytes], T],
        handle: Callable[[list[T]], Awaitable[Any]],
        transient: Callable[[BaseException], bool] = is_transient,
    ) -> None:
        if not topics:
            raise ValueError("a consumer needs at least one topic")
        self._settings = settings
        self._config = config
        self._topics = {t.name: t for t in topics}
        self._publisher = publisher
        self._decode = decode
        self._handle_batch = handle
        self._transient = transient
        self._stop = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._last_lag_update = 0.0
        self.stats = BatchStats()
        self.running = False

    @property
    def connected(self) -> bool:
        return self._consumer is not None

    async def ready(self) -> tuple[bool, str]:
        return (True, "ok") if self.connected else (False, "history consumer not connected")

    def stop(self) -> None:
        """Finish the batch in hand (or give it up, uncommitted, when it is being retried) and return."""
        self._stop.set()

    async def _session(self) -> None:
        consumer = self._new_consumer(self._topics)
        await consumer.start()
        self._consumer = consumer
        in_hand: asyncio.Task[None] | None = None
        try:
            while not self._stop.is_set():
                batch = await consumer.getmany(timeout_ms=200, max_records=self._config.max_records)
                decoded = await self._decode_batch(batch) if batch else None
                if in_hand is not None:
                    await in_hand  # the previous batch is handled and committed before this one starts
                    in_hand = None
                if batch and decoded is not None:
                    in_hand = asyncio.create_task(self._finish(consumer, batch, decoded))
                    await asyncio.sleep(0)  # let it send its first statement before we fetch and decode
                await self._update_lag(consumer)
            if in_hand is not None:
                await in_hand
                in_hand = None
        finally:
            if in_hand is not None and not in_hand.done():
                in_hand.cancel()
                with contextlib.suppress(asyncio.CancelledError, Stopping):
                    await in_hand
            self._consumer = None
            await consumer.stop()

    async def _decode_batch(self, batch: dict[TopicPartition, list[Record]]) -> list[tuple[Record, T]]:
        """The batch's decoded records, in partition order; the invalid ones are dead-lettered at once."""
        started = time.perf_counter()
        if self.stats.first_consumed is None:
            self.stats.first_consumed = started
        pairs: list[tuple[Record, T]] = []
        for records in batch.values():
            for i, record in enumerate(records):
                if i % DECODE_SLICE == DECODE_SLICE - 1:
                    await asyncio.sleep(0)  # the batch in hand sends its next statement as soon as it can
                try:
                    pairs.append((record, self._decode(self._topics[record.topic], record.value or b"")))
                except (EventDecodeError, PermanentError) as exc:
                    await self._dead_letter(record, exc)
                except Exception as exc:  # a decoder that fails on one record must not stall the partition
                    if self._transient(exc):
                        raise
                    log.exception("decoding %s@%d:%d failed", record.topic, record.partition, record.offset)
                    await self._dead_letter(record, exc)
        self.stats.decoding_s += time.perf_counter() - started
        return pairs

    async def _finish(
        self, consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[Record]], pairs: list[tuple[Record, T]]
    ) -> None:
        if pairs:
            await self._handle(pairs, top=True)
        await self._commit(consumer, {tp: int(records[-1].offset) + 1 for tp, records in batch.items()})
        self.stats.last_committed = time.perf_counter()
        self.stats.committed += sum(len(records) for records in batch.values())
        self.stats.batches += 1

    async def _handle(self, pairs: list[tuple[Record, T]], *, top: bool) -> None:
        """Handle ``pairs`` in one call; see the module's docstring for what happens when that fails."""
        attempt = outage = 0
        while True:
            started = time.perf_counter()
            try:
                await self._handle_batch([item for _, item in pairs])
            except Exception as exc:
                if self._transient(exc):
                    self.stats.outages += 1
                    log.warning("history batch of %d waits for %s: %s", len(pairs), type(exc).__name__, exc)
                    await self._sleep(self._backoff(outage))
                    outage = min(outage + 1, 16)
                    continue
                for record, _ in pairs[:1]:
                    m.FAILED.labels(record.topic, self._config.group_id).inc()
                single = len(pairs) == 1
                if not isinstance(exc, PermanentError) and (top or single) and attempt < self._config.retries:
                    await self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                if single:
                    log.error(
                        "history: %s@%d:%d failed %d times: %r",
                        pairs[0][0].topic,
                        pairs[0][0].partition,
                        pairs[0][0].offset,
                        attempt + 1,
                        exc,
                    )
                    await self._dead_letter(pairs[0][0], exc)
                    return
                log.warning(
                    "history batch of %d failed (%s: %s); splitting it to find the events at fault",
                    len(pairs),
                    type(exc).__name__,
                    exc,
                )
                middle = len(pairs) // 2
                await self._handle(pairs[:middle], top=False)
                await self._handle(pairs[middle:], top=False)
                return
            self.stats.handling_s += time.perf_counter() - started
            counts: dict[str, int] = {}
            for record, _ in pairs:
                counts[record.topic] = counts.get(record.topic, 0) + 1
            for topic, count in counts.items():
                m.CONSUMED.labels(topic, self._config.group_id).inc(count)
            return

    async def _dead_letter(self, record: Record, error: BaseException) -> None:
        await super()._dead_letter(record, error)
        self.stats.dead_lettered += 1
