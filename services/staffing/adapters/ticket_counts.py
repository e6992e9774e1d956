"""Ticket counts per branch, day and status, kept idempotently (a set of ticket ids per status)."""

from __future__ import annotations

import datetime as dt

import redis.asyncio as aioredis

from branchops.contracts.enums import TicketStatus
from branchops.state import branch_key

SERVICE = "staffing"
TTL_S = 3 * 24 * 3600


class TicketCounts:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    def _key(self, branch_id: str, day: dt.date, status: TicketStatus) -> str:
        return branch_key(SERVICE, branch_id, "tickets", day.isoformat(), status.value)

    async def record(self, branch_id: str, day: dt.date, status: TicketStatus, ticket_id: str) -> None:
        key = self._key(branch_id, day, status)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, ticket_id)
            pipe.expire(key, TTL_S)
            await pipe.execute()

    async def counts(self, branch_id: str, day: dt.date) -> dict[str, int]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for status in TicketStatus:
                pipe.scard(self._key(branch_id, day, status))
            values = await pipe.execute()
        return {status.value: int(n) for status, n in zip(TicketStatus, values, strict=True)}
