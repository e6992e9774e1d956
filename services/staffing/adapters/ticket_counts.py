"""Ticket counts per branch, day and status, kept idempotently (a set of ticket ids per status), and the
branch's ticket history the day's forecast learns from (:mod:`services.staffing.domain.history`).

History keys per branch, all idempotent under redelivery (hash fields keyed by ticket id):
``arrivals:<local day>`` (ticket -> "<service> <minute of the local day>" of its issue),
``handled:<local day>`` (ticket -> "<service> <handling minutes>"), ``handling-start`` (ticket -> the
epoch seconds its service began, until it completes), the sorted set ``history-days`` (local day ->
its ordinal) and the sorted set ``handled-recent`` ("<ticket> <service> <minutes>" of completed tickets scored by
the epoch seconds their service began, the last ``RECENT_KEEP_S``: the intraday re-plan's service-time drift).
Kept ``HISTORY_DAYS`` days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import cast
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis

from branchops.contracts.enums import TicketStatus
from branchops.contracts.events import Ticket
from branchops.state import branch_key

SERVICE = "staffing"
TTL_S = 3 * 24 * 3600
HISTORY_DAYS = 70
HISTORY_TTL_S = HISTORY_DAYS * 24 * 3600
START_TTL_S = 2 * 24 * 3600
RECENT_KEEP_S = 6 * 3600  # completions kept for the drift's window (services/staffing/domain/drift.py)


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

    # --- history -----------------------------------------------------------------------------------
    async def record_history(self, ticket: Ticket, zone: ZoneInfo) -> None:
        """Fold one ticket event into the history (issue minute; handling time once completed)."""
        local = ticket.at.astimezone(zone)
        day = local.date()
        b, tid, service = ticket.branch_id, ticket.ticket_id, ticket.service.value
        start_key = branch_key(SERVICE, b, "handling-start")
        if ticket.status is TicketStatus.ISSUED:
            key = branch_key(SERVICE, b, "arrivals", day.isoformat())
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hsetnx(key, tid, f"{service} {local.hour * 60 + local.minute}")  # the first issue counts
                pipe.expire(key, HISTORY_TTL_S)
                pipe.zadd(branch_key(SERVICE, b, "history-days"), {day.isoformat(): day.toordinal()})
                await pipe.execute()
        elif ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING):
            async with self._redis.pipeline(transaction=True) as pipe:
                if ticket.status is TicketStatus.SERVING:
                    pipe.hset(start_key, tid, str(ticket.at.timestamp()))
                else:
                    pipe.hsetnx(start_key, tid, str(ticket.at.timestamp()))
                pipe.expire(start_key, START_TTL_S)
                await pipe.execute()
        elif ticket.status is TicketStatus.COMPLETED:
            started = await self._redis.hget(start_key, tid)
            if started is None:
                return
            minutes = (ticket.at.timestamp() - float(started)) / 60.0
            key = branch_key(SERVICE, b, "handled", day.isoformat())
            recent_key = branch_key(SERVICE, b, "handled-recent")
            done_at = ticket.at.timestamp()
            async with self._redis.pipeline(transaction=True) as pipe:
                if minutes > 0:
                    pipe.hset(key, tid, f"{service} {minutes:.3f}")
                    pipe.expire(key, HISTORY_TTL_S)
                    pipe.zadd(recent_key, {f"{tid} {service} {minutes:.3f}": float(started)})
                    pipe.zremrangebyscore(recent_key, "-inf", done_at - RECENT_KEEP_S)
                    pipe.expire(recent_key, START_TTL_S)
                pipe.hdel(start_key, tid)
                await pipe.execute()
        elif ticket.status in (TicketStatus.NO_SHOW, TicketStatus.ABANDONED, TicketStatus.CANCELLED):
            await self._redis.hdel(start_key, tid)

    async def recent_handling(
        self, branch_id: str, now: dt.datetime, window_min: float
    ) -> dict[str, list[tuple[float, float]]]:
        """Per service, (minutes since it began, handling minutes) of the completed tickets whose service began
        in the last ``window_min`` minutes before ``now`` (the drift's sample, domain/drift.py)."""
        raw = cast(
            list[tuple[bytes, float]],
            await self._redis.zrangebyscore(
                branch_key(SERVICE, branch_id, "handled-recent"),
                now.timestamp() - window_min * 60.0,
                now.timestamp(),
                withscores=True,
            ),
        )
        handled: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for member, began in raw:
            _, service, minutes = member.decode().split(" ")
            handled[service].append(((now.timestamp() - began) / 60.0, float(minutes)))
        return dict(handled)

    async def history_days(self, branch_id: str, first: dt.date, last: dt.date) -> list[dt.date]:
        """Local days with tickets between ``first`` and ``last`` (both included)."""
        raw = cast(
            list[bytes],
            await self._redis.zrangebyscore(
                branch_key(SERVICE, branch_id, "history-days"), first.toordinal(), last.toordinal()
            ),
        )
        return [dt.date.fromisoformat(d.decode()) for d in raw]

    async def history(
        self, branch_id: str, days: list[dt.date]
    ) -> tuple[dict[dt.date, dict[tuple[str, int], int]], dict[str, list[float]]]:
        """Arrivals per day, (service, minute) -> count, and the handling minutes per service of ``days``."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for day in days:
                pipe.hvals(branch_key(SERVICE, branch_id, "arrivals", day.isoformat()))
                pipe.hvals(branch_key(SERVICE, branch_id, "handled", day.isoformat()))
            values = await pipe.execute()
        arrivals: dict[dt.date, dict[tuple[str, int], int]] = {}
        handled: dict[str, list[float]] = defaultdict(list)
        for i, day in enumerate(days):
            counts: dict[tuple[str, int], int] = defaultdict(int)
            for raw in values[2 * i]:
                service, minute = raw.decode().split(" ")
                counts[(service, int(minute))] += 1
            arrivals[day] = dict(counts)
            for raw in values[2 * i + 1]:
                service, minutes = raw.decode().split(" ")
                handled[service].append(float(minutes))
        return arrivals, dict(handled)
