"""The suites of this folder run on a 3-master Redis Cluster (one replica each) instead of one Redis.

``redis_url`` and ``redis_client`` are overridden here, so a module that imports an existing suite's tests
(``from tests.integration.test_queue_api import *``) runs them unchanged on the cluster: every script,
pipeline and MULTI/EXEC of the services meets real slots (CROSSSLOT, MOVED) instead of one server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from branchops.devstack.redis_cluster import LocalRedisCluster
from branchops.state.client import create_redis


@pytest.fixture(scope="session")
def redis_cluster(log_dir: Path) -> Iterator[LocalRedisCluster]:
    cluster = LocalRedisCluster(log_dir=log_dir / "redis-cluster")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def redis_url(redis_cluster: LocalRedisCluster) -> str:
    return redis_cluster.url


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = create_redis(redis_url)
    try:
        yield client
    finally:
        await client.aclose()
