"""redis.asyncio client built from settings, and its health check."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.exceptions import RedisError


def create_redis(url: str, *, timeout_s: float = 2.0, max_connections: int = 64) -> aioredis.Redis:
    """A pooled client that fails fast (so readiness turns red quickly) and decodes nothing."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout_s,  # past max_connections, wait this long for a free connection instead of failing
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=2,  # a pooled connection idle that long is PINGed first (Redis may have restarted)
        retry_on_timeout=False,
    )
    return aioredis.Redis(connection_pool=pool)


async def redis_ready(client: aioredis.Redis) -> tuple[bool, str]:
    """(ok, detail) — never raises."""
    try:
        pong = await client.ping()
    except (RedisError, OSError) as exc:
        return False, f"redis unreachable: {type(exc).__name__}: {exc}"
    return bool(pong), "ok" if pong else "redis did not answer PONG"
