"""The number guard on the cluster: claims in another master than the counter, a rolled-back counter refused."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import redis.asyncio as aioredis

from branchops.contracts.enums import ServiceName
from branchops.devstack.redis_cluster import LocalRedisCluster
from services.queue.adapters.keys import Keys
from services.queue.adapters.number_guard import NumberGuard, NumberReused, claims_key


def counter() -> str:
    day = dt.date.today() + dt.timedelta(days=3)  # any day: the guard does not read the calendar
    return Keys(f"ng-{uuid.uuid4().hex[:8]}").seq(day, ServiceName.CASH)


def test_the_claims_live_on_another_master(redis_cluster: LocalRedisCluster) -> None:
    for _ in range(20):
        key = counter()
        assert redis_cluster.node_for(claims_key(key)).port != redis_cluster.node_for(key).port


async def test_new_numbers_pass_and_a_counter_that_came_back_older_is_refused(redis_client: aioredis.Redis) -> None:
    guard = NumberGuard(redis_client)
    key = counter()
    assert [await guard.take(key) for _ in range(5)] == [1, 2, 3, 4, 5]
    assert guard.refused == 0
    await redis_client.set(key, 2)  # the failover: the counter's new master had only the first two increments
    assert await guard.take(key) == 6, "3 was issued already: refused, the counter raised past 5"
    assert guard.refused == 1
    assert int(await redis_client.get(key)) == 6
    assert await guard.take(key) == 7


async def test_a_number_the_caller_took_is_checked_too(redis_client: aioredis.Redis) -> None:
    guard = NumberGuard(redis_client)
    key = counter()
    assert await guard.take(key, int(await redis_client.incr(key))) == 1
    await redis_client.set(key, 0)
    again = int(await redis_client.incr(key))  # 1 again, as the snapshot script's INCR would give it
    assert again == 1
    assert await guard.take(key, again) == 2


async def test_refusals_are_bounded_and_clear(redis_client: aioredis.Redis) -> None:
    guard = NumberGuard(redis_client, attempts=1)
    key = counter()
    for _ in range(3):
        await guard.take(key)
    await redis_client.set(key, 0)
    with pytest.raises(NumberReused, match="already issued"):
        await guard.take(key)
    assert await guard.take(key) == 5, "the counter was raised before the refusal: the next one is fresh"
