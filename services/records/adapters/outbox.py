"""Transactional outbox in PostgreSQL (the records service's version of ADR 0004).

A change writes its CloudEvent into ``outbox`` in the same transaction as the change (:meth:`PgOutbox.stage`),
so an accepted change always gets its event out, even when the broker is down at that moment. The relay
publishes rows oldest first, each only after the previous one was acknowledged (one branch's changes reach
its partition in commit order, which a compacted topic needs: the last record per key is the one kept), and
deletes a row only after the broker acknowledged it. One relay at a time across replicas (a transaction-level
advisory lock). A crash between the acknowledgement and the delete sends the same event id again;
consumers drop it as a duplicate (ADR 0002).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from branchops.bus.producer import EventPublisher
from branchops.contracts import Topic, encode, new_event
from branchops.contracts.base import EventData
from services.records.adapters.tables import outbox

log = logging.getLogger(__name__)
RELAY_LOCK = 0x62726F7278  # pg_try_advisory_xact_lock key: "brorx", the records outbox relay
Clock = Callable[[], dt.datetime]


class PgOutbox:
    def __init__(self, source: str, clock: Clock) -> None:
        self.source = source
        self.clock = clock

    async def stage(self, connection: AsyncConnection, topic: Topic, data: EventData) -> str:
        """Write ``data``'s event for ``topic`` inside the caller's transaction; return its event id."""
        event = new_event(topic, data, source=self.source)
        await connection.execute(
            outbox.insert().values(
                topic=topic.name,
                key=data.branch_id.encode(),
                event_id=event.id,
                value=encode(event),
                created_at=self.clock(),
                attempts=0,
            )
        )
        return event.id

    @staticmethod
    async def backlog(engine: AsyncEngine) -> int:
        async with engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(outbox)) or 0)


class OutboxRelay:
    """Publishes the outbox: woken by :meth:`notify` after a commit, else every ``poll_s``; backs off on errors."""

    def __init__(
        self, engine: AsyncEngine, publisher: EventPublisher, *, poll_s: float = 1.0, batch: int = 100
    ) -> None:
        self.engine = engine
        self.publisher = publisher
        self.poll_s = poll_s
        self.batch = batch
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    def notify(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def relay_once(self) -> tuple[int, bool]:
        """One round: (rows published, whether a publish failed). Rows left when the batch was full wait for
        the next round, which :meth:`run` starts at once."""
        async with self.engine.begin() as connection:
            if not await connection.scalar(select(func.pg_try_advisory_xact_lock(RELAY_LOCK))):
                return 0, False  # another replica relays now
            rows = (
                await connection.execute(
                    select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value)
                    .order_by(outbox.c.id)
                    .limit(self.batch)
                )
            ).all()
            sent: list[int] = []
            failed = False
            for row in rows:
                try:
                    await self.publisher.send_raw(row.topic, row.value, key=row.key)
                except Exception as exc:  # broker away, not connected, topic missing: keep the row, try later
                    failed = True
                    await connection.execute(
                        update(outbox)
                        .where(outbox.c.id == row.id)
                        .values(attempts=outbox.c.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:500])
                    )
                    log.warning("outbox: %s not published (%s); retrying later", row.topic, type(exc).__name__)
                    break
                sent.append(row.id)
            if sent:
                await connection.execute(delete(outbox).where(outbox.c.id.in_(sent)))
            return len(sent), failed

    async def _pause(self, seconds: float, *, wakeable: bool) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for((self._wake if wakeable else self._stopping).wait(), seconds)

    async def run(self) -> None:
        backoff = 0.0
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                sent, failed = await self.relay_once()
            except Exception as exc:  # the database may be away too
                log.warning("outbox relay round failed (%s: %s)", type(exc).__name__, exc)
                sent, failed = 0, True
            if failed:
                backoff = min(max(backoff * 2, 0.5), 10.0)
                await self._pause(backoff, wakeable=False)
                continue
            backoff = 0.0
            if sent < self.batch:  # all out: sleep until a commit wakes us, or the next poll
                await self._pause(self.poll_s, wakeable=True)
