"""Which tickets a kiosk took (Redis, shared by every gateway instance): its stream shows only those."""

from __future__ import annotations

import redis.asyncio as aioredis

from branchops.state.keys import branch_key

HOLD_S = 24 * 3600


class KioskTickets:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    def _key(self, branch_id: str, kiosk_id: str) -> str:
        return branch_key("gateway", branch_id, "kiosk", kiosk_id, "tickets")

    async def add(self, branch_id: str, kiosk_id: str, ticket_id: str) -> None:
        key = self._key(branch_id, kiosk_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, ticket_id)
            pipe.expire(key, HOLD_S)
            await pipe.execute()

    async def held(self, branch_id: str, kiosk_id: str, ticket_ids: list[str]) -> frozenset[str]:
        if not ticket_ids:
            return frozenset()
        flags = await self._redis.smismember(self._key(branch_id, kiosk_id), ticket_ids)
        return frozenset(t for t, held in zip(ticket_ids, flags, strict=True) if held)
