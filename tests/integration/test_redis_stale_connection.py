"""The services' Redis client (branchops/state/client.py) on a real Redis: a pooled connection that the server
dropped (as after a Redis restart) costs the next command nothing; a Redis that is gone still fails fast."""

from __future__ import annotations

import uuid

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from branchops.state.client import create_redis


async def test_a_command_on_a_connection_the_server_dropped_is_retried_on_a_fresh_one(redis_url: str) -> None:
    client = create_redis(redis_url)
    admin = create_redis(redis_url)
    key = f"stale-{uuid.uuid4().hex[:8]}"
    try:
        name = f"pooled-{uuid.uuid4().hex[:6]}"
        await client.client_setname(name)  # the one pooled connection, named so it can be dropped alone
        await client.set(key, "1")
        clients = await admin.client_list()
        victim = next(c for c in clients if c.get("name") == name)
        assert await admin.client_kill_filter(_id=victim["id"]) == 1
        assert await client.incr(key) == 2  # the broken connection was replaced, no error reached the caller
        assert await client.get(key) == b"2"  # and the command ran once
    finally:
        await admin.delete(key)
        await client.aclose()
        await admin.aclose()


async def test_a_redis_that_is_gone_still_fails_at_once() -> None:
    client = create_redis("redis://127.0.0.1:1/0", timeout_s=0.5)
    try:
        with pytest.raises(RedisConnectionError):
            await client.ping()
    finally:
        await client.aclose()
