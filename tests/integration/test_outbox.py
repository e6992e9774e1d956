"""The Redis outbox: staged events reach Kafka once each, in order, from one lease-holding relay."""

from __future__ import annotations

import asyncio
import json
import uuid

import redis.asyncio as aioredis

from branchops.bus import EventPublisher
from branchops.bus.outbox import Outbox, OutboxRelay
from branchops.contracts import topics
from branchops.settings import PlatformSettings
from tests.integration.kafka_helpers import read_topic, ticket, wait_for


async def _stage(redis: aioredis.Redis, outbox: Outbox, branch: str, numbers: range) -> None:
    await outbox.announce(branch)
    for n in numbers:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.multi()
            pipe.set(f"test:{branch}:{n}", n)
            outbox.stage(pipe, topics.TICKETS, ticket(branch, n))
            await pipe.execute()


async def test_two_relays_publish_each_event_once_in_order(
    platform: PlatformSettings, redis_client: aioredis.Redis
) -> None:
    service = f"outbox-{uuid.uuid4().hex[:6]}"
    publishers = [EventPublisher(platform, source=f"branchops/test/r{i}") for i in range(2)]
    outboxes = [Outbox(redis_client, service, source="branchops/test/x", instance=f"replica-{i}") for i in range(2)]
    relays = [OutboxRelay(o, p) for o, p in zip(outboxes, publishers, strict=True)]
    for publisher in publishers:
        await publisher.start()
    tasks = [asyncio.create_task(r.run(poll_s=0.05)) for r in relays]
    try:
        await _stage(redis_client, outboxes[0], "b1", range(0, 30))
        await _stage(redis_client, outboxes[1], "b2", range(100, 110))
        for o in outboxes:
            o.notify()
        await wait_for(lambda: _empty(outboxes[0]), timeout_s=20, what="the outbox to drain")
    finally:
        for r in relays:
            r.stop()
        await asyncio.gather(*tasks)
        for publisher in publishers:
            await publisher.stop()
    records = await read_topic(platform.kafka_bootstrap, topics.TICKETS.name, expect=40, timeout_s=10)
    by_branch: dict[str, list[int]] = {}
    for record in records:
        data = json.loads(record.value)["data"]
        by_branch.setdefault(data["branch_id"], []).append(int(data["ticket_id"][1:]))
    assert by_branch == {"b1": list(range(0, 30)), "b2": list(range(100, 110))}, "once each, in order"
    sources = {json.loads(r.value)["source"] for r in records}
    assert sources == {"branchops/test/x"}
    assert await redis_client.get(outboxes[0].lease_key) is None, "the lease is released at stop"


async def _empty(outbox: Outbox) -> bool:
    return await outbox.pending() == 0


async def test_lease_is_exclusive_and_renewable(redis_client: aioredis.Redis) -> None:
    service = f"lease-{uuid.uuid4().hex[:6]}"
    first = Outbox(redis_client, service, source="branchops/test/x", instance="a")
    second = Outbox(redis_client, service, source="branchops/test/x", instance="b")
    assert await first.hold_lease() is True
    assert await second.hold_lease() is False
    assert await first.hold_lease() is True, "the holder renews"
    await redis_client.delete(first.lease_key)  # the holder died and its lease ran out
    assert await second.hold_lease() is True
    assert await first.hold_lease() is False


async def test_a_round_after_a_change_reads_only_the_branches_staged_for(
    platform: PlatformSettings, redis_client: aioredis.Redis
) -> None:
    """``stage`` marks its branch hot; a hot round relays those branches (all of a branch's entries in
    one go, deleted once acknowledged) and leaves the others to the full round."""
    service = f"hot-{uuid.uuid4().hex[:6]}"
    publisher = EventPublisher(platform, source="branchops/test/hot")
    outbox = Outbox(redis_client, service, source="branchops/test/x", instance="solo")
    relay = OutboxRelay(outbox, publisher)
    await publisher.start()
    try:
        await _stage(redis_client, outbox, "h1", range(0, 5))
        await _stage(redis_client, outbox, "h2", range(10, 12))
        assert outbox.take_hot() == {"h1", "h2"} and not outbox.hot
        assert await relay.relay_once({"h1"}) == 5
        assert await redis_client.xlen(outbox.stream("h1")) == 0
        assert await redis_client.xlen(outbox.stream("h2")) == 2, "not read by a round for h1"
        assert await relay.relay_once() == 2, "a full round finds every branch with an outbox"
        assert await relay.relay_once() == 0
    finally:
        await publisher.stop()
