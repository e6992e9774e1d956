"""redis.asyncio client built from settings, and its health check.

``redis://host:port/db`` (or ``rediss://``) is one server. ``redis+cluster://host:port[,host:port...]`` (or
``rediss+cluster://``) is a Redis Cluster: every listed node is a seed (the client learns the rest from
``CLUSTER SLOTS`` and follows MOVED/ASK and failovers by itself); no database number (a cluster has only db 0).
The state layer keeps every key of one branch in one slot (``branchops.state.keys``), so the services' scripts,
pipelines and MULTI/EXEC transactions run unchanged on either.
"""

from __future__ import annotations

from typing import cast
from urllib.parse import unquote, urlsplit

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from branchops.state.cluster_transaction import BranchOpsRedisCluster

CLUSTER_SCHEMES = {"redis+cluster": False, "rediss+cluster": True}  # scheme -> TLS


def is_cluster_url(url: str) -> bool:
    return urlsplit(url).scheme in CLUSTER_SCHEMES


def create_redis(url: str, *, timeout_s: float = 2.0, max_connections: int = 64) -> aioredis.Redis:
    """A pooled client that fails fast (so readiness turns red quickly) and decodes nothing.

    For a cluster URL this is a :class:`RedisCluster` (see :func:`create_redis_cluster`) typed as the
    single-server client the services annotate: it has the same command methods, ``register_script``,
    ``pipeline(transaction=...)`` with WATCH/MULTI/EXEC on keys of one slot, and ``aclose``.
    """
    if is_cluster_url(url):
        return cast(aioredis.Redis, create_redis_cluster(url, timeout_s=timeout_s, max_connections=max_connections))
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout_s,  # past max_connections, wait this long for a free connection instead of failing
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=2,  # a pooled connection idle that long is PINGed first (Redis may have restarted)
        retry_on_timeout=False,
        retry=stale_connection_retry(),
    )
    return aioredis.Redis(connection_pool=pool)


def stale_connection_retry() -> Retry:
    """One immediate retry, on a fresh connection, of a command whose connection broke (not of a timeout): a
    pooled connection from before a Redis restart fails on first use, and the request would get a 503 although
    Redis is back. No backoff, so while Redis is down the retry fails at once and readiness still turns red fast.
    A command that Redis ran but whose reply was lost with the connection could run twice: the same as the caller
    retrying after the error it would otherwise get."""
    return Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))


def cluster_seeds(url: str) -> list[tuple[str, int]]:
    """``redis+cluster://a:7000,b:7001`` -> ``[("a", 7000), ("b", 7001)]`` (port 6379 when left out)."""
    parts = urlsplit(url)
    if parts.scheme not in CLUSTER_SCHEMES:
        raise ValueError(f"not a cluster URL (redis+cluster://host:port,...): {url!r}")
    if parts.path not in ("", "/", "/0"):
        raise ValueError(f"a Redis Cluster has only database 0: {url!r}")
    hosts = parts.netloc.rsplit("@", 1)[-1]
    seeds = []
    for item in filter(None, hosts.split(",")):
        host, sep, port = item.rpartition(":")
        if not sep:
            host, port = item, ""
        seeds.append((host, int(port) if port else 6379))
    if not seeds:
        raise ValueError(f"no node in the cluster URL {url!r}")
    return seeds


def create_redis_cluster(url: str, *, timeout_s: float = 2.0, max_connections: int = 64) -> RedisCluster:
    """A Redis Cluster client on the seeds of ``url``: ``max_connections`` per node, the same timeouts as the
    single-server client; CLUSTERDOWN / connection errors during a failover are retried by the client
    (refreshing its slot map) before they reach the caller."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else ""
    username, _, password = userinfo.partition(":")
    return BranchOpsRedisCluster(  # MULTI/EXEC without a thread per queued command (cluster_transaction.py)
        startup_nodes=[ClusterNode(host, port) for host, port in cluster_seeds(url)],
        username=unquote(username) or None,
        password=unquote(password) or None,
        ssl=CLUSTER_SCHEMES[parts.scheme],
        max_connections=max_connections,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=2,
    )


async def redis_ready(client: aioredis.Redis | RedisCluster) -> tuple[bool, str]:
    """(ok, detail) — never raises."""
    try:
        pong = await client.ping()
    except (RedisError, OSError) as exc:
        return False, f"redis unreachable: {type(exc).__name__}: {exc}"
    return bool(pong), "ok" if pong else "redis did not answer PONG"
