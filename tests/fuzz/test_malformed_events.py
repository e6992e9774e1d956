"""Malformed events on every topic end in that topic's DLQ, with their original bytes; a consumer of
every topic (the platform's ConsumerRunner, as the gateway runs it) never hands them to a handler."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import redis.asyncio as aioredis
from hypothesis import given, settings
from hypothesis import strategies as st

from branchops.bus import ConsumerConfig, ConsumerRunner, EventPublisher
from branchops.contracts import ALL_TOPICS, CloudEvent
from branchops.devstack import TansuBroker
from branchops.settings import PlatformSettings
from tests.integration.kafka_helpers import produce_raw, read_topic


def _envelope(topic: str, **changes: Any) -> bytes:
    base = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "branchops/fuzz/t",
        "type": f"branchops.{topic}",
        "time": "2026-12-01T02:00:00Z",
        "subject": "b1",
        "datacontenttype": "application/json",
        "data": {"branch_id": "b1", "at": "2026-12-01T02:00:00Z"},
    }
    base.update(changes)
    return json.dumps(base).encode()


def malformed(topic: str) -> list[bytes]:
    short = topic.removeprefix("branchops.")
    return [
        b"",
        b"\xff\xfe not json",
        b"[1, 2, 3]",
        _envelope(short.rsplit(".", 1)[0]),  # required data fields missing
        _envelope(short, type="branchops.something.v9"),
        _envelope(short, subject="b2"),  # subject differs from data.branch_id
        _envelope(short, specversion="0.3"),
    ]


@settings(max_examples=40, deadline=None, database=None)
@given(st.binary(max_size=300))
def test_garbage_never_decodes_into_an_event(raw: bytes) -> None:
    from branchops.contracts import EventDecodeError, decode

    for topic in ALL_TOPICS:
        try:
            decode(topic, raw)
        except EventDecodeError:
            continue
        raise AssertionError(f"{raw!r} decoded as {topic.name}")


async def test_malformed_events_on_every_topic_go_to_their_dlq(
    broker: TansuBroker, platform: PlatformSettings, redis_client: aioredis.Redis
) -> None:
    handled: list[CloudEvent[Any]] = []

    async def handler(event: CloudEvent[Any]) -> None:
        handled.append(event)

    publisher = EventPublisher(platform, source="branchops/fuzz/t")
    await publisher.start()
    group = f"fuzz-{uuid.uuid4().hex[:8]}"
    runner = ConsumerRunner(
        platform,
        ConsumerConfig(group_id=group, retries=0, backoff_ms=10),
        redis=redis_client,
        publisher=publisher,
        handlers={t: handler for t in ALL_TOPICS},
    )
    task = asyncio.create_task(runner.run())
    try:
        sent_by_topic = {topic.name: malformed(topic.name) for topic in ALL_TOPICS}
        for topic in ALL_TOPICS:
            await produce_raw(broker.bootstrap, topic.name, sent_by_topic[topic.name])
        for topic in ALL_TOPICS:
            sent = sent_by_topic[topic.name]
            records = await read_topic(broker.bootstrap, topic.dlq, expect=len(sent), timeout_s=20)
            assert sorted(r.value or b"" for r in records) == sorted(sent), topic.dlq
            for record in records:
                headers = dict(record.headers or ())
                assert headers["x-original-topic"] == topic.name.encode() and headers["x-error"]
        assert handled == [], "a malformed event reached a handler"
    finally:
        runner.stop()
        await asyncio.wait_for(task, 10)
        await publisher.stop()
