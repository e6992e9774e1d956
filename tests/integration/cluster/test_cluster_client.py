"""``create_redis`` on a ``redis+cluster://`` URL: a cluster client that finds the cluster from any seed."""

from __future__ import annotations

import threading

import pytest
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import CrossSlotTransactionError

from branchops.devstack.redis_cluster import LocalRedisCluster
from branchops.state.client import cluster_seeds, create_redis, is_cluster_url, redis_ready


def test_cluster_urls() -> None:
    assert cluster_seeds("redis+cluster://a:7000,b:7001") == [("a", 7000), ("b", 7001)]
    assert cluster_seeds("rediss+cluster://user:pw@a,b:7001/0") == [("a", 6379), ("b", 7001)]
    assert is_cluster_url("redis+cluster://a:7000") and not is_cluster_url("redis://a:6379/0")
    with pytest.raises(ValueError, match="database 0"):
        cluster_seeds("redis+cluster://a:7000/3")
    with pytest.raises(ValueError, match="no node"):
        cluster_seeds("redis+cluster://")


async def test_any_live_seed_is_enough(redis_cluster: LocalRedisCluster) -> None:
    dead_first = f"redis+cluster://127.0.0.1:1,{redis_cluster.host}:{redis_cluster.nodes[-1].port}"
    client = create_redis(dead_first)
    try:
        assert isinstance(client, RedisCluster)
        assert await redis_ready(client) == (True, "ok")
        await client.set("bo:test:{seed}:x", "1")
        assert await client.get("bo:test:{seed}:x") == b"1"
    finally:
        await client.aclose()


async def test_a_transaction_queues_its_commands_without_a_thread_each(
    redis_client: aioredis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """redis-py 8.1 runs each command queued in a cluster MULTI in a thread of its own, blocking the event
    loop (branchops/state/cluster_transaction.py); ours queues them in place, same answers, same refusals."""
    starts = []
    real_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: starts.append(1) or real_start(self))
    key = "bo:test:{tx}:"
    async with redis_client.pipeline(transaction=True) as pipe:
        pipe.set(key + "a", 1)
        pipe.incr(key + "a")
        pipe.zadd(key + "z", {"x": 2.0})
        pipe.zrank(key + "z", "x")
        pipe.hset(key + "h", mapping={"f": "v"})
        pipe.expire(key + "h", 60)
        pipe.eval("return redis.call('GET', KEYS[1])", 1, key + "a")
        assert await pipe.execute() == [True, 2, 1, 0, 1, True, b"2"]
    assert starts == [], "no thread per queued command"
    async with redis_client.pipeline(transaction=True) as pipe:
        await pipe.watch(key + "a")
        assert await pipe.get(key + "a") == b"2"
        pipe.multi()
        pipe.set(key + "a", 3)
        assert await pipe.execute() == [True]
    with pytest.raises(CrossSlotTransactionError):
        async with redis_client.pipeline(transaction=True) as pipe:
            pipe.set(key + "a", 4)
            pipe.set("bo:test:{other}:a", 4)
            await pipe.execute()
    assert await redis_client.get(key + "a") == b"3", "nothing of the refused transaction was written"
