"""Call-next and window changes in Redis, each one optimistic transaction with its event.

Each runs as the outbox's unit of work (``Outbox.transaction``). Two tellers calling at the same instant
WATCH the same lines: the first EXEC wins, the second finds its line changed, starts over and takes the
next ticket. Appointments whose time has come join their line inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import redis.asyncio as aioredis

from branchops.bus.outbox import Outbox, Transaction
from branchops.contracts import topics
from branchops.contracts.enums import ServiceName, TicketStatus, WindowState
from branchops.contracts.events import Window
from services.queue.adapters.keys import BRANCHES, HISTORY_TTL_S, Keys
from services.queue.adapters.ticket_store import decode_hash, ticket_event
from services.queue.domain.errors import Conflict, NotFound
from services.queue.domain.learning import learn_transition
from services.queue.domain.model import Model
from services.queue.domain.routing import Head, RoutingRules, choose_next
from services.queue.domain.schedule import mark_json, mark_of
from services.queue.domain.tickets import TicketRecord
from services.queue.domain.undo import undo_call
from services.queue.domain.windows import WindowRecord, change_window


class WindowStore:
    def __init__(self, redis: aioredis.Redis, outbox: Outbox, rules: RoutingRules, tz: dt.tzinfo = dt.UTC) -> None:
        self._redis = redis
        self._outbox = outbox
        self.rules = rules
        self.tz = tz

    def _log(
        self,
        pipe: Any,
        branch_id: str,
        window_id: str,
        state: WindowState,
        skills: Sequence[ServiceName],
        at: dt.datetime,
    ) -> None:
        """Stage the change in the day's window log (the usual schedule is learned from it)."""
        keys, local = Keys(branch_id), at.astimezone(self.tz)
        pipe.rpush(keys.window_log(local.date()), mark_json(mark_of(window_id, state, skills, local)))
        pipe.expire(keys.window_log(local.date()), HISTORY_TTL_S)
        pipe.zadd(keys.window_log_days, {local.date().isoformat(): local.toordinal()})

    async def get(self, branch_id: str, window_id: str) -> WindowRecord | None:
        raw = decode_hash(await self._redis.hgetall(Keys(branch_id).window(window_id)))
        return WindowRecord.from_fields(raw) if raw else None

    async def all(self, branch_id: str) -> list[WindowRecord]:
        keys = Keys(branch_id)
        ids = sorted(m.decode() for m in cast(set[bytes], await self._redis.smembers(keys.windows)))
        async with self._redis.pipeline(transaction=False) as pipe:
            for window_id in ids:
                pipe.hgetall(keys.window(window_id))
            rows = await pipe.execute()
        return [WindowRecord.from_fields(decode_hash(r)) for r in rows if r]

    async def put(
        self,
        branch_id: str,
        window_id: str,
        state: WindowState,
        skills: tuple[ServiceName, ...],
        staff_id: str | None,
        now: dt.datetime,
    ) -> tuple[WindowRecord, bool]:
        """(the window, whether it changed). Raises Invalid or Conflict."""
        await self._redis.sadd(BRANCHES, branch_id)
        return await self._outbox.transaction(
            branch_id,
            lambda tx: self._put(tx, window_id, state, skills, staff_id, now),
            watch=[Keys(branch_id).window(window_id)],
        )

    async def _put(
        self,
        tx: Transaction,
        window_id: str,
        state: WindowState,
        skills: tuple[ServiceName, ...],
        staff_id: str | None,
        now: dt.datetime,
    ) -> tuple[WindowRecord, bool]:
        branch_id, pipe = tx.branch_id, tx.pipe
        keys = Keys(branch_id)
        raw = decode_hash(await pipe.hgetall(keys.window(window_id)))
        current = WindowRecord.from_fields(raw) if raw else None
        changed = change_window(current, window_id, state, skills, staff_id, now)
        if changed is None:
            assert current is not None
            return current, False
        returning: list[tuple[TicketRecord, float]] = []
        if state is not WindowState.OPEN:  # its directed tickets go back to their service lines
            await tx.watch(keys.window_line(window_id))
            returning = await self._directed(pipe, keys, window_id)
        tx.multi()
        self._return_directed(pipe, keys, window_id, returning)
        pipe.hset(keys.window(window_id), mapping=cast(dict[Any, Any], changed.to_fields()))
        pipe.sadd(keys.windows, window_id)
        self._log(pipe, branch_id, window_id, state, skills, now)
        tx.stage(
            topics.WINDOWS,
            Window(
                branch_id=branch_id, at=now, window_id=window_id, state=state, staff_id=staff_id, skills=list(skills)
            ),
        )
        return changed, True

    @staticmethod
    async def _directed(pipe: Any, keys: Keys, window_id: str) -> list[tuple[TicketRecord, float]]:
        """The tickets waiting in the window's own line, no longer directed, with their (original) score."""
        rows = cast(list[tuple[bytes, float]], await pipe.zrange(keys.window_line(window_id), 0, -1, withscores=True))
        out = []
        for raw_id, score in rows:
            raw = decode_hash(await pipe.hgetall(keys.ticket(raw_id.decode())))
            if raw:
                out.append((TicketRecord.from_fields(raw).evolve(directed_window=None), float(score)))
        return out

    @staticmethod
    def _return_directed(pipe: Any, keys: Keys, window_id: str, returning: list[tuple[TicketRecord, float]]) -> None:
        """Stage the return of the window's directed tickets to their service lines, at their score."""
        for record, score in returning:
            pipe.hset(keys.ticket(record.ticket_id), mapping=cast(dict[Any, Any], record.to_fields()))
            pipe.zadd(keys.line(record.service), {record.ticket_id: score})
        if returning:
            pipe.delete(keys.window_line(window_id))

    async def directed_count(self, branch_id: str, window_id: str) -> int:
        """How many tickets wait in the window's own line (sent to it by another window)."""
        return int(await self._redis.zcard(Keys(branch_id).window_line(window_id)))

    async def apply_external(self, event: Window) -> bool:
        """A windows.v1 event from another producer: upsert when newer; no event of our own. A change of
        the window racing it makes it look again: it is applied only if still newer than what is stored."""
        applied = await self._outbox.transaction(
            event.branch_id,
            lambda tx: self._apply_external(tx, event),
            watch=[Keys(event.branch_id).window(event.window_id)],
        )
        if applied:
            await self._redis.sadd(BRANCHES, event.branch_id)
        return applied

    async def _apply_external(self, tx: Transaction, event: Window) -> bool:
        keys, pipe = Keys(event.branch_id), tx.pipe
        raw = decode_hash(await pipe.hgetall(keys.window(event.window_id)))
        current = WindowRecord.from_fields(raw) if raw else None
        if current is not None and current.updated_at is not None and current.updated_at >= event.at:
            return False
        base = current or WindowRecord(event.window_id, event.state, ())
        returning: list[tuple[TicketRecord, float]] = []
        if event.state is not WindowState.OPEN:  # closed elsewhere: its directed tickets go back too
            await tx.watch(keys.window_line(event.window_id))
            returning = await self._directed(pipe, keys, event.window_id)
        record = WindowRecord(
            event.window_id,
            event.state,
            tuple(event.skills),
            event.staff_id,
            base.ticket_id,
            base.service,
            base.busy_since,
            event.at,
        )
        tx.multi()
        self._return_directed(pipe, keys, event.window_id, returning)
        pipe.hset(keys.window(event.window_id), mapping=cast(dict[Any, Any], record.to_fields()))
        pipe.sadd(keys.windows, event.window_id)
        self._log(pipe, event.branch_id, event.window_id, event.state, event.skills, event.at)
        return True

    async def call_next(self, branch_id: str, window_id: str, now: dt.datetime) -> TicketRecord | None:
        return await self._outbox.transaction(
            branch_id, lambda tx: self._call_next(tx, window_id, now), watch=[Keys(branch_id).window(window_id)]
        )

    async def _call_next(self, tx: Transaction, window_id: str, now: dt.datetime) -> TicketRecord | None:
        keys, pipe = Keys(tx.branch_id), tx.pipe
        window = await self._callable_window(tx, window_id)
        lines = [keys.line(s) for s in window.skills]
        own = keys.window_line(window_id)
        await tx.watch(*lines, own, keys.scheduled, keys.model)
        due = await self._due(pipe, keys, now)
        chosen: Head | None = None
        directed = cast(list[bytes], await pipe.zrange(own, 0, 0))
        if directed:  # a customer sent to this very window comes first, whatever its skills
            raw = decode_hash(await pipe.hgetall(keys.ticket(directed[0].decode())))
            if raw:
                chosen = Head(ServiceName(raw["service"]), directed[0].decode(), 0.0)
        if chosen is None:
            heads: list[Head] = []
            for service, line in zip(window.skills, lines, strict=True):
                top = cast(list[tuple[bytes, float]], await pipe.zrange(line, 0, 0, withscores=True))
                if top:
                    heads.append(Head(service, top[0][0].decode(), float(top[0][1])))
            heads += [h for h in due if h.service in window.skills]
            chosen = choose_next(heads, window.skills, self.rules)
        if chosen is None and not due:
            return None
        record = None
        model = Model.from_json(await pipe.get(keys.model))
        if chosen is not None:
            before = TicketRecord.from_fields(decode_hash(await pipe.hgetall(keys.ticket(chosen.ticket_id))))
            model = learn_transition(model, before, TicketStatus.CALLED, now)
            record = before.evolve(status=TicketStatus.CALLED, window_id=window_id, called_at=now)
        tx.multi()
        for head in due:  # appointments whose time came join their line
            pipe.zrem(keys.scheduled, head.ticket_id)
            if record is None or head.ticket_id != record.ticket_id:
                pipe.zadd(keys.line(head.service), {head.ticket_id: head.score})
        if record is not None:
            pipe.zrem(
                keys.window_line(window_id) if record.directed_window else keys.line(record.service), record.ticket_id
            )
            pipe.hset(keys.ticket(record.ticket_id), mapping=cast(dict[Any, Any], record.to_fields()))
            pipe.hset(
                keys.window(window_id),
                mapping={"ticket_id": record.ticket_id, "service": record.service.value, "busy_since": now.isoformat()},
            )
            pipe.set(keys.model, model.to_json())
            tx.stage(topics.TICKETS, ticket_event(record, now))
        return record

    async def undo_call(
        self, branch_id: str, window_id: str, ticket_id: str, now: dt.datetime, within: dt.timedelta
    ) -> TicketRecord:
        """Put a just-called ticket back at its place in line (the head: it was chosen as the head) and free
        the window, with the ticket's event; raises NotFound or Conflict (``domain.undo.undo_call``)."""
        keys = Keys(branch_id)
        return await self._outbox.transaction(
            branch_id,
            lambda tx: self._undo_call(tx, window_id, ticket_id, now, within),
            watch=[keys.window(window_id), keys.ticket(ticket_id)],
        )

    async def _undo_call(
        self, tx: Transaction, window_id: str, ticket_id: str, now: dt.datetime, within: dt.timedelta
    ) -> TicketRecord:
        keys, pipe = Keys(tx.branch_id), tx.pipe
        raw = decode_hash(await pipe.hgetall(keys.ticket(ticket_id)))
        if not raw:
            raise NotFound(f"no ticket {ticket_id} in branch {tx.branch_id}")
        wraw = decode_hash(await pipe.hgetall(keys.window(window_id)))
        window = WindowRecord.from_fields(wraw) if wraw else None
        record = undo_call(TicketRecord.from_fields(raw), window, window_id, now, within)
        score = self.rules.score(record.joined_at, record.priority, record.sequence)
        tx.multi()
        pipe.hset(keys.ticket(ticket_id), mapping=cast(dict[Any, Any], record.to_fields()))
        pipe.hset(keys.window(window_id), mapping={"ticket_id": "", "service": "", "busy_since": ""})
        line = keys.window_line(window_id) if record.directed_window == window_id else keys.line(record.service)
        pipe.zadd(line, {ticket_id: score})
        tx.stage(topics.TICKETS, ticket_event(record, now))
        return record

    @staticmethod
    async def _callable_window(tx: Transaction, window_id: str) -> WindowRecord:
        """The (watched) window, open and free; NotFound or Conflict otherwise."""
        raw = decode_hash(await tx.pipe.hgetall(Keys(tx.branch_id).window(window_id)))
        if not raw:
            raise NotFound(f"no window {window_id} in branch {tx.branch_id}: open it first (PUT)")
        window = WindowRecord.from_fields(raw)
        if window.state is not WindowState.OPEN:
            raise Conflict(f"window {window_id} is {window.state.value}: open it before calling")
        if window.ticket_id:
            raise Conflict(
                f"window {window_id} still has ticket {window.ticket_id}: complete, no-show or transfer it first"
            )
        return window

    async def _due(self, pipe: Any, keys: Keys, now: dt.datetime) -> list[Head]:
        ids = cast(list[bytes], await pipe.zrangebyscore(keys.scheduled, "-inf", now.timestamp()))
        heads = []
        for raw_id in ids:
            raw = decode_hash(await pipe.hgetall(keys.ticket(raw_id.decode())))
            if raw:
                record = TicketRecord.from_fields(raw)
                heads.append(
                    Head(
                        record.service,
                        record.ticket_id,
                        self.rules.score(record.joined_at, record.priority, record.sequence),
                    )
                )
        return heads
