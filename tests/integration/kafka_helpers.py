"""Small helpers for reading topics directly in tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord

from branchops.contracts.enums import Channel, ServiceName, TicketStatus
from branchops.contracts.events import Ticket


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    expect: int,
    timeout_s: float = 10.0,
    until: Callable[[list[ConsumerRecord]], bool] | None = None,
) -> list[ConsumerRecord]:
    """Read from the beginning (no consumer group) until ``expect`` records (or, with ``until``, until it
    holds for the records read: the topic may carry other tests' events) or the timeout."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:  # the topic does not exist (yet)
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout_s
        done = (lambda: until(records)) if until else (lambda: len(records) >= expect)
        while not done() and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=100)
            for recs in batch.values():
                records.extend(recs)
        return records
    finally:
        await consumer.stop()


async def produce_raw(bootstrap: str, topic: str, values: list[bytes], key: bytes = b"b1") -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def wait_for(predicate: Callable[[], bool | Awaitable[bool]], timeout_s: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = predicate()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what or predicate}")


def ticket(branch: str, n: int, status: TicketStatus = TicketStatus.ISSUED) -> Ticket:
    return Ticket(
        branch_id=branch,
        at=dt.datetime.now(dt.UTC),
        ticket_id=f"t{n}",
        number=f"A{n:03d}",
        service=ServiceName.CASH,
        status=status,
        channel=Channel.KIOSK,
    )
