"""Tickets in Redis: numbering, record and outbox event written in one optimistic transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from branchops.bus.outbox import Outbox
from branchops.contracts import topics
from branchops.contracts.enums import TicketStatus
from branchops.contracts.events import Ticket
from branchops.state import branch_key
from services.queue.domain.tickets import MAX_PER_DAY, IssueTicket, TicketRecord, ticket_number

SERVICE = "queue"
TICKET_TTL_S = 3 * 24 * 3600


class DayFull(Exception):
    """The service handed out every number of the day."""


class TicketStore:
    def __init__(self, redis: aioredis.Redis, outbox: Outbox) -> None:
        self._redis = redis
        self._outbox = outbox

    async def issue(self, command: IssueTicket, now: dt.datetime) -> TicketRecord:
        day = now.date().isoformat()
        counter = branch_key(SERVICE, command.branch_id, "seq", day, command.service.value)
        await self._outbox.announce(command.branch_id)
        for _ in range(50):
            async with self._redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(counter)
                    sequence = int(await pipe.get(counter) or 0) + 1
                    if sequence > MAX_PER_DAY:
                        raise DayFull(f"all {MAX_PER_DAY} numbers of {command.service.value} used today")
                    record = TicketRecord(
                        ticket_id=f"t-{uuid.uuid4().hex[:16]}", branch_id=command.branch_id,
                        number=ticket_number(command.service, sequence), service=command.service,
                        channel=command.channel, priority=command.priority, status=TicketStatus.ISSUED,
                        issued_at=now,
                    )
                    event = Ticket(branch_id=record.branch_id, at=now, ticket_id=record.ticket_id,
                                   number=record.number, service=record.service, priority=record.priority,
                                   status=record.status, channel=record.channel)
                    ticket_key = branch_key(SERVICE, command.branch_id, "ticket", record.ticket_id)
                    pipe.multi()
                    pipe.set(counter, sequence, ex=TICKET_TTL_S)
                    pipe.hset(ticket_key, mapping=cast(dict[Any, Any], record.to_fields()))
                    pipe.expire(ticket_key, TICKET_TTL_S)
                    pipe.rpush(branch_key(SERVICE, command.branch_id, "waiting", command.service.value),
                               record.ticket_id)
                    self._outbox.stage(pipe, topics.TICKETS, event)
                    await pipe.execute()
                    return record
                except WatchError:
                    continue
        raise RuntimeError("ticket numbering contended 50 times in a row")

    async def get(self, branch_id: str, ticket_id: str) -> TicketRecord | None:
        raw = cast(dict[bytes, bytes], await self._redis.hgetall(branch_key(SERVICE, branch_id, "ticket", ticket_id)))
        if not raw:
            return None
        return TicketRecord.from_fields({k.decode(): v.decode() for k, v in raw.items()})

    async def position(self, record: TicketRecord) -> int | None:
        """1-based place in its service's waiting line, None when no longer waiting."""
        key = branch_key(SERVICE, record.branch_id, "waiting", record.service.value)
        index = cast(int | None, await self._redis.lpos(key, record.ticket_id))
        return None if index is None else index + 1
