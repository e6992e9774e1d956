"""``create_redis`` on a ``redis+cluster://`` URL: a cluster client that finds the cluster from any seed."""

from __future__ import annotations

import pytest
from redis.asyncio.cluster import RedisCluster

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
