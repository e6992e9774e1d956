"""Tickets in Redis: each change, its learning and its outbox event in one optimistic transaction.

Every command runs as the outbox's unit of work (``Outbox.transaction``): it WATCHes what it reads (the
ticket, its window, the model), decides with the pure domain and writes everything in one MULTI/EXEC
together with the CloudEvent. A concurrent change makes EXEC fail and the command starts over on fresh
state: nothing is half-written, no ticket is served twice or lost. Issuing a ticket watches nothing (its
number comes from an INCR) and stays one pipelined MULTI/EXEC with ``Outbox.stage``: see :meth:`issue`.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from branchops.bus.outbox import Outbox, Transaction
from branchops.contracts import topics
from branchops.contracts.enums import ServiceName, TicketStatus
from branchops.contracts.events import Ticket
from services.queue.adapters.keys import BRANCHES, HISTORY_TTL_S, RECENT_TTL_S, TTL_S, Keys
from services.queue.adapters.number_guard import NumberGuard
from services.queue.domain.arrivals import LOOKBACK_MIN, slot_of
from services.queue.domain.directed import check_target, current_remaining_min, directed_wait
from services.queue.domain.errors import Conflict, DayFull, Invalid, NotFound
from services.queue.domain.forms import FormValue, masked_form, merge_fields
from services.queue.domain.learning import learn_transition
from services.queue.domain.lifecycle import WAITING, Action, InvalidTransition, leaves_window, transition
from services.queue.domain.model import Model
from services.queue.domain.predict import Estimate
from services.queue.domain.routing import RoutingRules
from services.queue.domain.tickets import MAX_PER_DAY, IssueTicket, TicketRecord, ticket_number
from services.queue.domain.windows import WindowRecord

EDITABLE = frozenset({TicketStatus.CALLED, TicketStatus.SERVING})  # at a window, not finished
ANNOUNCE_EVERY_S = 60.0  # a branch's outbox and branch-list memberships are re-asserted this often


def decode_hash(raw: Any) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in cast(dict[bytes, bytes], raw).items()}


def ticket_event(record: TicketRecord, at: dt.datetime) -> Ticket:
    return Ticket(
        branch_id=record.branch_id,
        at=at,
        ticket_id=record.ticket_id,
        number=record.number,
        service=record.service,
        priority=record.priority,
        status=record.status,
        window_id=record.window_id,
        channel=record.channel,
        form=masked_form(record.form),
    )


class TicketStore:
    def __init__(
        self,
        redis: aioredis.Redis,
        outbox: Outbox,
        rules: RoutingRules,
        tz: dt.tzinfo,
        guard: NumberGuard | None = None,
    ) -> None:
        self._redis = redis
        self._outbox = outbox
        self._guard = guard  # on a Redis Cluster: no number twice after a failover (adapters/number_guard.py)
        self._announced: dict[str, float] = {}  # branch -> monotonic time of its last announce
        self.rules = rules
        self.tz = tz

    def counter(self, branch_id: str, service: ServiceName, now: dt.datetime) -> str:
        """The key of the day's number counter of ``service`` (the branch's local day)."""
        return Keys(branch_id).seq(now.astimezone(self.tz).date(), service)

    async def issue(
        self,
        command: IssueTicket,
        now: dt.datetime,
        prediction: tuple[float, float] | None = None,
        sequence: int | None = None,
    ) -> tuple[TicketRecord, int | None]:
        """(the new ticket, its 1-based place in line or None for an appointment not yet due).

        The day's number comes from an atomic INCR (unique under any concurrency, no retry loop), here or
        already taken by the caller (``sequence``, from :meth:`counter`'s key); the ticket, its line
        entry, the arrival count and its event are then written in one MULTI/EXEC. A crash between the
        two burns a number (a gap in A001, A002...), never a ticket. Not ``Outbox.transaction``: nothing is
        watched, the announce rides with the INCR once a minute and the EXEC's answer holds the place in
        line, so the hot path stays one MULTI/EXEC (plus the INCR's round trip when the caller took none).
        """
        keys = Keys(command.branch_id)
        local = now.astimezone(self.tz)
        counter = self.counter(command.branch_id, command.service, now)
        ready = command.appointment_at if command.appointment_at and command.appointment_at > now else None
        if sequence is None or self._announce_due(command.branch_id):
            async with self._redis.pipeline(transaction=False) as pipe:
                self._outbox.announce_in(pipe, command.branch_id)
                pipe.sadd(BRANCHES, command.branch_id)
                if sequence is None:
                    pipe.incr(counter)
                results = await pipe.execute()
            self._announced[command.branch_id] = time.monotonic()
            if sequence is None:
                sequence = int(results[-1])
        if self._guard is not None:
            sequence = await self._guard.take(counter, sequence)
        if sequence > MAX_PER_DAY:
            raise DayFull(f"all {MAX_PER_DAY} numbers of {command.service.value} used today")
        record = TicketRecord(
            ticket_id=f"t-{uuid.uuid4().hex[:16]}",
            branch_id=command.branch_id,
            number=ticket_number(command.service, sequence),
            service=command.service,
            channel=command.channel,
            priority=command.priority,
            status=TicketStatus.ISSUED,
            issued_at=now,
            ready_at=ready,
            pred_wait_min=prediction[0] if prediction else None,
            pred_sd_min=prediction[1] if prediction else None,
            form=command.form,
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.expire(counter, TTL_S)
            self._write(pipe, keys, record)
            self._arrived(pipe, keys, record, local)
            if ready is not None:
                pipe.zadd(keys.scheduled, {record.ticket_id: ready.timestamp()})
            else:
                line = keys.line(record.service)
                pipe.zadd(line, {record.ticket_id: self._score(record)})
                day = keys.arrivals(local.date())
                pipe.hincrby(day, str(slot_of(local)), 1)
                pipe.expire(day, HISTORY_TTL_S)
                pipe.zadd(keys.arrival_days, {local.date().isoformat(): local.toordinal()})
                pipe.zrank(line, record.ticket_id)
            self._outbox.stage(pipe, topics.TICKETS, ticket_event(record, now))
            results = await pipe.execute()
        self._outbox.notify()
        rank = results[-2] if ready is None else None
        return record, None if rank is None else int(rank) + 1

    @staticmethod
    def _arrived(pipe: Pipeline, keys: Keys, record: TicketRecord, local: dt.datetime) -> None:
        """The ticket among the last hour's arrivals (older ones dropped; the set expires RECENT_TTL_S after
        the last ticket) and, if it is the local day's first, that day's start."""
        at = record.issued_at.timestamp()
        member = f"{record.ticket_id} {record.service.value} {record.priority.value}"
        pipe.zadd(keys.recent_arrivals, {member: at})
        pipe.zremrangebyscore(keys.recent_arrivals, "-inf", f"({at - LOOKBACK_MIN * 60.0}")
        pipe.expire(keys.recent_arrivals, RECENT_TTL_S)
        pipe.set(keys.first_arrival(local.date()), str(at), nx=True, ex=RECENT_TTL_S + 24 * 3600)

    def _announce_due(self, branch_id: str) -> bool:
        """Whether the branch's memberships (outbox relay, branch list) should be asserted again: on its
        first ticket in this process and every minute after (a member the relay needs is never missing
        for long, even after Redis lost its data; an extra SADD is harmless)."""
        last = self._announced.get(branch_id)
        if last is None or time.monotonic() - last > ANNOUNCE_EVERY_S:
            if len(self._announced) > 100_000:
                self._announced.clear()
            return True
        return False

    def _score(self, record: TicketRecord) -> float:
        return self.rules.score(record.joined_at, record.priority, record.sequence)

    @staticmethod
    def _write(pipe: Pipeline, keys: Keys, record: TicketRecord) -> None:
        key = keys.ticket(record.ticket_id)
        pipe.hset(key, mapping=cast(dict[Any, Any], record.to_fields()))
        pipe.expire(key, TTL_S)

    async def get(self, branch_id: str, ticket_id: str) -> TicketRecord | None:
        raw = decode_hash(await self._redis.hgetall(Keys(branch_id).ticket(ticket_id)))
        return TicketRecord.from_fields(raw) if raw else None

    @staticmethod
    def waits_in(keys: Keys, record: TicketRecord) -> str:
        """The sorted set the waiting ticket stands in: its window's own line when directed, else its service's."""
        return keys.window_line(record.directed_window) if record.directed_window else keys.line(record.service)

    async def position(self, record: TicketRecord) -> int | None:
        """1-based place in its line (its window's own line when directed), None when not waiting in it (yet)."""
        if record.status not in WAITING:
            return None
        rank = await self._redis.zrank(self.waits_in(Keys(record.branch_id), record), record.ticket_id)
        return None if rank is None else int(cast(int, rank)) + 1

    async def directed_estimate(self, record: TicketRecord, now: dt.datetime) -> Estimate | None:
        """The wait of a ticket waiting for its window: the window's current customer's rest and the
        learned mean service of each ticket ahead of it in the window's line; None when not directed."""
        if record.directed_window is None or record.status not in WAITING:
            return None
        keys, window_id = Keys(record.branch_id), record.directed_window
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrank(keys.window_line(window_id), record.ticket_id)
            pipe.zrange(keys.window_line(window_id), 0, -1)
            pipe.hgetall(keys.window(window_id))
            pipe.get(keys.model)
            rank, ids, wraw, model_raw = await pipe.execute()
        if rank is None:
            return None
        model = Model.from_json(model_raw)
        ahead = [i.decode() for i in cast(list[bytes], ids)[: int(rank)]]
        async with self._redis.pipeline(transaction=False) as pipe:
            for ticket_id in ahead:
                pipe.hget(keys.ticket(ticket_id), "service")
            services = [ServiceName(s.decode()) for s in await pipe.execute() if s]
        window = WindowRecord.from_fields(decode_hash(wraw)) if wraw else None
        remaining = 0.0
        if window is not None and window.ticket_id and window.service is not None:
            mean = model.service_dist(window.service.value, window_id).mean
            remaining = current_remaining_min(mean, window.busy_since, now)
        means = [model.service_dist(s.value, window_id).mean for s in services]
        return directed_wait(remaining, means)

    async def act(
        self,
        branch_id: str,
        ticket_id: str,
        action: Action,
        now: dt.datetime,
        *,
        service: ServiceName | None = None,
        window_id: str | None = None,
        to_window: str | None = None,
    ) -> TicketRecord:
        """Every action but call-next. ``window_id``: the caller's window, checked when given; ``to_window``
        (transfer): the window the ticket is sent to, into its own line (``domain/directed.py``)."""
        keys = Keys(branch_id)
        return await self._outbox.transaction(
            branch_id,
            lambda tx: self._act(tx, keys, ticket_id, action, now, service, window_id, to_window),
            watch=[keys.ticket(ticket_id), keys.model],
        )

    async def _act(
        self,
        tx: Transaction,
        keys: Keys,
        ticket_id: str,
        action: Action,
        now: dt.datetime,
        service: ServiceName | None,
        window_id: str | None,
        to_window: str | None = None,
    ) -> TicketRecord:
        pipe = tx.pipe
        raw = decode_hash(await pipe.hgetall(keys.ticket(ticket_id)))
        if not raw:
            raise NotFound(f"no ticket {ticket_id} in branch {tx.branch_id}")
        before = TicketRecord.from_fields(raw)
        if window_id is not None and before.window_id != window_id:
            raise Conflict(f"ticket {ticket_id} is not at window {window_id}")
        try:
            status = transition(before.status, action)
        except InvalidTransition as exc:
            raise Conflict(str(exc)) from exc
        if to_window is not None:
            if action is not Action.TRANSFER:
                raise Invalid(f"to_window is for a transfer, not {action.value}")
            # WATCHed: a close of the target racing this transfer makes one of them start over
            await tx.watch(keys.window(to_window), keys.window_line(to_window))
            traw = decode_hash(await pipe.hgetall(keys.window(to_window)))
            check_target(WindowRecord.from_fields(traw) if traw else None, to_window, before.window_id, tx.branch_id)
        after = self._after(before, action, status, now, service, to_window)
        model = learn_transition(Model.from_json(await pipe.get(keys.model)), before, status, now)
        window: WindowRecord | None = None
        if before.window_id and leaves_window(action):
            await tx.watch(keys.window(before.window_id))
            wraw = decode_hash(await pipe.hgetall(keys.window(before.window_id)))
            window = WindowRecord.from_fields(wraw) if wraw else None
        tx.multi()
        self._write(pipe, keys, after)
        pipe.set(keys.model, model.to_json())
        if window is not None and window.ticket_id == ticket_id:
            pipe.hset(keys.window(window.window_id), mapping={"ticket_id": "", "service": "", "busy_since": ""})
        if before.status in WAITING:
            pipe.zrem(self.waits_in(keys, before), ticket_id)
            pipe.zrem(keys.scheduled, ticket_id)
        if status is TicketStatus.TRANSFERRED:
            pipe.zadd(self.waits_in(keys, after), {ticket_id: self._score(after)})
        tx.stage(topics.TICKETS, ticket_event(after, now))
        return after

    async def edit_form(
        self, branch_id: str, ticket_id: str, window_id: str, changes: dict[str, FormValue], kind: str
    ) -> TicketRecord:
        """The ticket after a teller corrected fields of its prepared form (``None`` removes a field).

        Only the window the ticket is at may edit it, and only while it is called or served there
        (``Conflict`` otherwise); no event: the ticket's next event carries the corrected (masked) form."""
        keys = Keys(branch_id)

        async def body(tx: Transaction) -> TicketRecord:
            raw = decode_hash(await tx.pipe.hgetall(keys.ticket(ticket_id)))
            if not raw:
                raise NotFound(f"no ticket {ticket_id} in branch {branch_id}")
            before = TicketRecord.from_fields(raw)
            if before.status not in EDITABLE:
                raise Conflict(f"ticket {ticket_id} is {before.status.value}: its form can no longer change")
            if before.window_id != window_id:
                raise Conflict(f"ticket {ticket_id} is not at window {window_id}")
            after = before.evolve(form=merge_fields(before.form, kind, changes))
            tx.multi()
            self._write(tx.pipe, keys, after)
            return after

        return await self._outbox.transaction(branch_id, body, watch=[keys.ticket(ticket_id)])

    @staticmethod
    def _after(
        before: TicketRecord,
        action: Action,
        status: TicketStatus,
        now: dt.datetime,
        service: ServiceName | None,
        to_window: str | None = None,
    ) -> TicketRecord:
        if action is Action.RECALL:
            return before.evolve(recalls=before.recalls + 1)
        if action is Action.START:
            return before.evolve(status=status, started_at=now)
        if action is Action.TRANSFER:
            if to_window is None and service is None:
                raise Invalid("a transfer needs the target service or window")
            if to_window is None and service is before.service:
                raise Invalid(f"ticket {before.ticket_id} is already in {before.service.value}")
            # back in line (the service's, or the target window's own), with its original place in time
            return before.evolve(
                status=status,
                service=service or before.service,
                window_id=None,
                called_at=None,
                started_at=None,
                transferred_from=before.service,
                pred_wait_min=None,
                directed_window=to_window,
            )
        return before.evolve(status=status, ended_at=now)
