"""The consumer runner and publisher against a real tansu broker and a real Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, TopicPartition

from branchops.bus import ConsumerConfig, ConsumerRunner, EventPublisher, PermanentError
from branchops.contracts import CloudEvent, encode, new_event, topics
from branchops.settings import PlatformSettings
from tests.integration.kafka_helpers import produce_raw, read_topic, ticket, wait_for

TOPIC = topics.TICKETS


class Recorder:
    """A handler that records what it saw and fails on demand."""

    def __init__(self, fail: dict[str, list[BaseException]] | None = None) -> None:
        self.seen: list[str] = []
        self.calls: dict[str, int] = {}
        self.fail = fail or {}

    async def __call__(self, event: CloudEvent[Any]) -> None:
        key = event.data.ticket_id
        self.calls[key] = self.calls.get(key, 0) + 1
        planned = self.fail.get(key)
        if planned:
            raise planned.pop(0)
        self.seen.append(key)


async def _runner(
    platform: PlatformSettings, redis: aioredis.Redis, handler: Recorder, group: str | None = None, retries: int = 2
) -> tuple[ConsumerRunner, EventPublisher, asyncio.Task[None]]:
    publisher = EventPublisher(platform, source="branchops/test/bus")
    await publisher.start()
    config = ConsumerConfig(group_id=group or f"g-{uuid.uuid4().hex[:8]}", retries=retries, backoff_ms=5)
    runner = ConsumerRunner(platform, config, redis=redis, publisher=publisher, handlers={TOPIC: handler})
    return runner, publisher, asyncio.create_task(runner.run())


async def _stop(runner: ConsumerRunner, publisher: EventPublisher, task: asyncio.Task[None]) -> None:
    runner.stop()
    await asyncio.wait_for(task, 15)
    await publisher.stop()


async def _committed(bootstrap: str, group: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()  # Apache Kafka's answer to the bootstrap names no topic
        total = 0
        for p in consumer.partitions_for_topic(TOPIC.name) or set():
            total += await consumer.committed(TopicPartition(TOPIC.name, p)) or 0
        return total
    finally:
        await consumer.stop()


async def test_round_trip_commits_after_handling(platform: PlatformSettings, redis_client: aioredis.Redis) -> None:
    handler = Recorder()
    runner, publisher, task = await _runner(platform, redis_client, handler, group="g-roundtrip")
    for n in range(20):
        await publisher.publish(TOPIC, ticket("b1", n))
    await wait_for(lambda: len(handler.seen) == 20, what="20 handled events")
    await _stop(runner, publisher, task)
    assert sorted(handler.seen) == sorted(f"t{n}" for n in range(20))
    assert await _committed(platform.kafka_bootstrap, "g-roundtrip") == 20


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b"{not json", "Invalid JSON"),
        (b'{"specversion":"1.0"}', "Field required"),
        (b"", "Invalid JSON"),
        (
            json.dumps(
                {
                    "specversion": "1.0",
                    "id": "x1",
                    "source": "branchops/test/x",
                    "type": "branchops.tickets.v1",
                    "subject": "b1",
                    "data": {
                        "branch_id": "b1",
                        "at": "2026-01-01T00:00:00Z",
                        "ticket_id": "t1",
                        "number": "A001",
                        "service": "teleport",
                        "status": "issued",
                        "channel": "kiosk",
                    },
                }
            ).encode(),
            "service",
        ),
        (
            json.dumps(
                {
                    "specversion": "1.0",
                    "id": "x2",
                    "source": "branchops/test/x",
                    "type": "branchops.windows.v1",
                    "subject": "b1",
                    "data": {
                        "branch_id": "b1",
                        "at": "2026-01-01T00:00:00Z",
                        "ticket_id": "t1",
                        "number": "A001",
                        "service": "cash",
                        "status": "issued",
                        "channel": "kiosk",
                    },
                }
            ).encode(),
            "does not belong",
        ),
    ],
    ids=["malformed-json", "missing-fields", "empty", "wrong-enum", "wrong-topic-type"],
)
async def test_poison_message_goes_to_dlq_and_the_rest_flows(
    platform: PlatformSettings, redis_client: aioredis.Redis, bad: bytes, reason: str
) -> None:
    handler = Recorder()
    runner, publisher, task = await _runner(platform, redis_client, handler, group="g-poison")
    good_before = new_event(TOPIC, ticket("b1", 1), source="branchops/test/x")
    good_after = new_event(TOPIC, ticket("b1", 2), source="branchops/test/x")
    await produce_raw(platform.kafka_bootstrap, TOPIC.name, [encode(good_before), bad, encode(good_after)])
    await wait_for(lambda: handler.seen == ["t1", "t2"], what="both good events")
    dead = await read_topic(platform.kafka_bootstrap, TOPIC.dlq, expect=1)
    await _stop(runner, publisher, task)
    assert len(dead) == 1
    assert dead[0].value == bad, "the DLQ keeps the original bytes"
    headers = dict(dead[0].headers)
    assert reason in headers["x-error"].decode()
    assert headers["x-error-class"] == b"EventDecodeError"
    assert headers["x-original-topic"] == TOPIC.name.encode()
    assert await _committed(platform.kafka_bootstrap, "g-poison") == 3, "offsets advance past the poison message"


async def test_handler_exception_retried_then_dead_lettered(
    platform: PlatformSettings, redis_client: aioredis.Redis
) -> None:
    handler = Recorder(fail={"t5": [ValueError("boom")] * 10, "t6": [RuntimeError("flaky")]})
    runner, publisher, task = await _runner(platform, redis_client, handler, group="g-retry", retries=2)
    for n in (4, 5, 6, 7):
        await publisher.publish(TOPIC, ticket("b1", n))
    await wait_for(lambda: handler.seen == ["t4", "t6", "t7"], what="all but the failing event")
    dead = await read_topic(platform.kafka_bootstrap, TOPIC.dlq, expect=1)
    await _stop(runner, publisher, task)
    assert handler.calls["t5"] == 3, "one try plus two retries"
    assert handler.calls["t6"] == 2, "a flaky failure succeeds on retry and is not dead-lettered"
    assert [json.loads(r.value)["data"]["ticket_id"] for r in dead] == ["t5"]
    assert dict(dead[0].headers)["x-error"] == b"ValueError: boom"


async def test_permanent_error_is_not_retried(platform: PlatformSettings, redis_client: aioredis.Redis) -> None:
    handler = Recorder(fail={"t1": [PermanentError("unknown branch")]})
    runner, publisher, task = await _runner(platform, redis_client, handler, retries=5)
    await publisher.publish(TOPIC, ticket("b1", 1))
    await publisher.publish(TOPIC, ticket("b1", 2))
    await wait_for(lambda: handler.seen == ["t2"], what="second event")
    dead = await read_topic(platform.kafka_bootstrap, TOPIC.dlq, expect=1)
    await _stop(runner, publisher, task)
    assert handler.calls["t1"] == 1
    assert len(dead) == 1


async def test_duplicates_dropped_by_event_id(platform: PlatformSettings, redis_client: aioredis.Redis) -> None:
    handler = Recorder()
    runner, publisher, task = await _runner(platform, redis_client, handler)
    event = new_event(TOPIC, ticket("b1", 1), source="branchops/test/x", event_id=f"dup-{uuid.uuid4()}")
    other = new_event(TOPIC, ticket("b1", 2), source="branchops/test/x")
    await produce_raw(platform.kafka_bootstrap, TOPIC.name, [encode(event), encode(event), encode(other)])
    await wait_for(lambda: "t2" in handler.seen, what="the second distinct event")
    await produce_raw(platform.kafka_bootstrap, TOPIC.name, [encode(event)])  # a later redelivery
    await asyncio.sleep(0.5)
    await _stop(runner, publisher, task)
    assert handler.seen == ["t1", "t2"]


async def test_stop_drains_and_a_new_runner_resumes(platform: PlatformSettings, redis_client: aioredis.Redis) -> None:
    first = Recorder()
    runner, publisher, task = await _runner(platform, redis_client, first, group="g-drain")
    for n in range(10):
        await publisher.publish(TOPIC, ticket("b1", n))
    await wait_for(lambda: len(first.seen) == 10, what="first ten")
    await _stop(runner, publisher, task)
    assert await _committed(platform.kafka_bootstrap, "g-drain") == 10

    second = Recorder()
    runner, publisher, task = await _runner(platform, redis_client, second, group="g-drain")
    for n in range(10, 15):
        await publisher.publish(TOPIC, ticket("b1", n))
    await wait_for(lambda: len(second.seen) == 5, timeout_s=30, what="the five new events")
    await asyncio.sleep(0.3)
    await _stop(runner, publisher, task)
    assert sorted(second.seen) == sorted(f"t{n}" for n in range(10, 15)), "nothing already committed comes again"


def _with_decoy_id_first(event: CloudEvent[Any], decoy: str) -> bytes:
    """The event's JSON with an unknown field holding ``"id": decoy`` before the envelope's own id: another
    producer's key order, where the consumer's id read from the raw bytes is wrong."""
    return json.dumps({"ext": {"id": decoy}, **json.loads(encode(event))}).encode()


async def test_dedup_uses_the_decoded_id_when_the_raw_bytes_mislead(
    platform: PlatformSettings, redis_client: aioredis.Redis
) -> None:
    handler = Recorder()
    runner, publisher, task = await _runner(platform, redis_client, handler)
    first = new_event(TOPIC, ticket("b1", 1), source="branchops/test/x", event_id=f"first-{uuid.uuid4()}")
    await produce_raw(platform.kafka_bootstrap, TOPIC.name, [encode(first)])
    await wait_for(lambda: handler.seen == ["t1"], what="the first event")
    # its bytes' first "id" is the handled event's id, its own id is new: it must be handled
    second = new_event(TOPIC, ticket("b1", 2), source="branchops/test/x", event_id=f"second-{uuid.uuid4()}")
    # and a redelivery of ``first`` whose bytes' first "id" is an unknown one: it must be dropped
    await produce_raw(
        platform.kafka_bootstrap,
        TOPIC.name,
        [_with_decoy_id_first(second, first.id), _with_decoy_id_first(first, "never-seen")],
    )
    await wait_for(lambda: "t2" in handler.seen, what="the second event")
    await asyncio.sleep(0.5)
    await _stop(runner, publisher, task)
    assert handler.seen == ["t1", "t2"]
    assert handler.calls == {"t1": 1, "t2": 1}


async def test_published_without_waiting_arrive_in_key_order(
    platform: PlatformSettings, redis_client: aioredis.Redis
) -> None:
    handler = Recorder()
    runner, publisher, task = await _runner(platform, redis_client, handler, group="g-nowait")
    futures = [await publisher.publish_nowait(TOPIC, ticket("b1", n)) for n in range(50)]
    await asyncio.gather(*futures)
    await wait_for(lambda: len(handler.seen) == 50, what="50 handled events")
    await _stop(runner, publisher, task)
    assert handler.seen == [f"t{n}" for n in range(50)], "one key, one partition, publish order"
    assert await _committed(platform.kafka_bootstrap, "g-nowait") == 50
