"""Drop duplicate deliveries by CloudEvent id: Redis keys with a TTL, checked and set per batch.

Ids are marked only after their message was handled (or dead-lettered), so a crash between handling
and marking redelivers the message: at-least-once delivery, idempotent handlers.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis

from branchops.state.keys import global_key


def _key(group: str, event_id: str) -> str:
    # Event ids are free text in CloudEvents; keep the key part safe and bounded.
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in event_id)[:128]
    return global_key("bus", "dedup", _safe_group(group), safe or "_")


def _safe_group(group: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in group)[:128] or "_"


class Deduplicator:
    def __init__(self, redis: aioredis.Redis, group: str, ttl_s: int) -> None:
        self._redis = redis
        self._group = group
        self._ttl_s = ttl_s

    async def seen(self, event_ids: Sequence[str]) -> list[bool]:
        """For each id, whether it was already handled by this consumer group."""
        if not event_ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for event_id in event_ids:
                pipe.exists(_key(self._group, event_id))
            found = await pipe.execute()
        return [bool(n) for n in found]

    async def mark(self, event_ids: Sequence[str]) -> None:
        if not event_ids:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for event_id in event_ids:
                pipe.set(_key(self._group, event_id), b"1", ex=self._ttl_s)
            await pipe.execute()
