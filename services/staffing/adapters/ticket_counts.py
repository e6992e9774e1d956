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

    def _issued_key(self, branch_id: str, day: dt.date, service: str) -> str:
        return branch_key(SERVICE, branch_id, "issued", day.isoformat(), service)

    async def record(
        self, branch_id: str, day: dt.date, status: TicketStatus, ticket_id: str, service: str | None = None
    ) -> None:
        key = self._key(branch_id, day, status)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, ticket_id)
            pipe.expire(key, TTL_S)
            if service is not None and status is TicketStatus.ISSUED:
                pipe.sadd(self._issued_key(branch_id, day, service), ticket_id)
                pipe.expire(self._issued_key(branch_id, day, service), TTL_S)
            await pipe.execute()

    async def issued_per_service(self, branch_id: str, day: dt.date, services: list[str]) -> dict[str, int]:
        """Tickets issued so far today per service (the observed arrivals)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for service in services:
                pipe.scard(self._issued_key(branch_id, day, service))
            values = await pipe.execute()
        return {service: int(n) for service, n in zip(services, values, strict=True)}

    async def counts(self, branch_id: str, day: dt.date) -> dict[str, int]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for status in TicketStatus:
                pipe.scard(self._key(branch_id, day, status))
            values = await pipe.execute()
        return {status.value: int(n) for status, n in zip(TicketStatus, values, strict=True)}
