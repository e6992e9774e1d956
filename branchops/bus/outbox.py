"""Transactional outbox in Redis: state and its event are written in one atomic step; a relay publishes.

A change stages its encoded CloudEvent in a per-branch stream inside the same MULTI/EXEC as the state
(see :meth:`Outbox.stage`), so an accepted change always gets its event out, even when the broker is
down at that moment. Per-branch streams keep each transaction inside one Redis Cluster slot; the set of
branches with an outbox is announced *before* the transaction (an extra member is harmless, a missing
one is impossible). One relay per service holds a lease, so replicas do not publish the same entries
twice; it publishes oldest first and deletes an entry only after the broker acknowledged it. A crash in
between republishes the same event id, which consumers drop as a duplicate.

A round reads the streams of many branches in one pipelined round trip and hands a branch's entries to
the producer together (one key, so one partition, in stream order), deleting them once acknowledged:
after a ticket, only the branches this process staged for are read; every branch is read at least every
``poll_s`` (other replicas' events, a crash's leftovers). If the broker acknowledges only part of a
branch's entries (a broker fault), the unacknowledged entry and those after it are sent again: nothing
is lost, duplicates carry the same event id, and an entry after the failed one may arrive before it.

A change is written through :meth:`Outbox.transaction`, the unit of work: it announces the branch once,
then runs an attempt: WATCH the ``watch`` keys, run the caller's async ``body(tx)``, EXEC. Inside the
body, reads come first, on ``tx.pipe`` (answered at once under WATCH; ``await tx.watch(...)`` adds keys
learnt from them), then ``tx.multi()``, then the writes on ``tx.pipe`` and ``tx.stage(topic, data)``.
The rule is that ``tx.multi()`` is always explicit: writes go after it (``tx.stage`` before it raises).
A body that returns without ``tx.multi()`` writes nothing and stages nothing (no EXEC): that is how it
exits early (``already rated``). When a watched key changed before EXEC the whole body runs again on
fresh state, at most ``ATTEMPTS`` times with a short jittered pause between attempts, then
:class:`Contended` is raised. The body's value is returned after a successful EXEC, and the relay is
woken only when that EXEC committed a staged event. Exceptions of the body propagate (nothing written)::

    async def body(tx: Transaction) -> bool:
        if await tx.pipe.exists(key):
            return False  # nothing to do: no EXEC
        tx.multi()
        tx.pipe.set(key, value)
        tx.stage(topics.FEEDBACK, event)
        return True

    created = await outbox.transaction(branch_id, body, watch=[key])
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from branchops.bus.envelope_bytes import EnvelopeWriter
from branchops.bus.errors import is_transient
from branchops.bus.producer import BusUnavailable, EventPublisher
from branchops.contracts import Topic
from branchops.contracts.base import EventData
from branchops.state.keys import branch_key, global_key

log = logging.getLogger(__name__)
LEASE_MS = 5000
# A transaction's body runs at most ATTEMPTS times while its watched keys keep changing under it: generous,
# because a queue branch's commits all write its model, so a teller's call-next loses often while the
# other tellers of the branch complete and call. The pause before attempt n (from 1) is drawn from
# uniform(0, min(BACKOFF_CAP_S, BACKOFF_S * 2 ** n)): about a second in all at the worst.
ATTEMPTS = 200
BACKOFF_S, BACKOFF_CAP_S = 0.0005, 0.01
T = TypeVar("T")
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""


class Contended(RuntimeError):
    """A transaction's watched keys changed under it ``ATTEMPTS`` times in a row: nothing was written."""


class Transaction:
    """One attempt of :meth:`Outbox.transaction`: reads on ``pipe``, then :meth:`multi`, then the writes on
    ``pipe`` and :meth:`stage`, all committed by one EXEC after the body returned."""

    def __init__(self, outbox: Outbox, branch_id: str, pipe: Pipeline) -> None:
        self.pipe = pipe
        self.branch_id = branch_id
        self._outbox = outbox
        self.writing = False  # after multi(): the EXEC will run
        self.staged = 0

    async def watch(self, *keys: str) -> None:
        """WATCH keys learnt from the reads (before :meth:`multi`)."""
        if self.writing:
            raise RuntimeError("tx.watch after tx.multi() would guard nothing")
        await self.pipe.watch(*keys)

    def multi(self) -> None:
        """End of the reads: what follows on ``pipe`` and every :meth:`stage` are written by one EXEC."""
        if not self.writing:
            cast(Any, self.pipe).multi()  # redis-py leaves multi() untyped
            self.writing = True

    def stage(self, topic: Topic, data: EventData) -> None:
        """Stage the event of ``topic`` in this transaction (after :meth:`multi`)."""
        if not self.writing:
            raise RuntimeError("tx.stage before tx.multi(): writes come after the reads")
        if data.branch_id != self.branch_id:
            raise ValueError(f"an event of branch {data.branch_id} in a transaction of branch {self.branch_id}")
        self._outbox.stage(self.pipe, topic, data)
        self.staged += 1


class Outbox:
    def __init__(self, redis: aioredis.Redis, service: str, *, source: str, instance: str) -> None:
        self._redis = redis
        self.service = service
        self.source = source
        self._envelopes = EnvelopeWriter(source)
        self.instance = instance
        self.branches_key = global_key(service, "outbox", "branches")
        self.lease_key = global_key(service, "outbox", "lease")
        self._renew = redis.register_script(_RENEW)
        self.wake = asyncio.Event()
        self.hot: set[str] = set()  # branches this process staged events for since the relay last looked

    def stream(self, branch_id: str) -> str:
        return branch_key(self.service, branch_id, "outbox")

    async def announce(self, branch_id: str) -> None:
        """Call before a transaction that stages events of ``branch_id`` (:meth:`transaction` does)."""
        await self._redis.sadd(self.branches_key, branch_id)

    def announce_in(self, pipe: Pipeline, branch_id: str) -> None:
        """:meth:`announce` as part of a (non-transactional) pipeline the caller runs before its transaction."""
        pipe.sadd(self.branches_key, branch_id)

    def stage(self, pipe: Pipeline, topic: Topic, data: EventData) -> None:
        """Add the event to the transaction in ``pipe`` (after ``pipe.multi()``): the primitive of
        :meth:`Transaction.stage`, for a scripted path that announces and notifies by itself."""
        entry = {"topic": topic.name, "key": data.branch_id, "value": self._envelopes.value(topic, data)}
        pipe.xadd(self.stream(data.branch_id), cast(dict[Any, Any], entry))
        self.hot.add(data.branch_id)

    def notify(self) -> None:
        """Something was staged: relay now rather than at the next poll."""
        self.wake.set()

    async def transaction(
        self, branch_id: str, body: Callable[[Transaction], Awaitable[T]], *, watch: Sequence[str] = ()
    ) -> T:
        """Run ``body`` as one optimistic transaction of ``branch_id`` and return its value (see the module
        docstring): again on fresh state while a watched key changes before EXEC, :class:`Contended` after
        ``ATTEMPTS`` attempts. The relay is notified when the committed attempt staged an event."""
        await self.announce(branch_id)
        for attempt in range(ATTEMPTS):
            if attempt:
                await asyncio.sleep(random.uniform(0.0, min(BACKOFF_CAP_S, BACKOFF_S * 2**attempt)))
            try:
                return await self._attempt(branch_id, body, watch)
            except WatchError:
                continue
        raise Contended(
            f"transaction of branch {branch_id} on {', '.join(watch) or 'no watched key'} "
            f"contended {ATTEMPTS} times in a row"
        )

    async def _attempt(self, branch_id: str, body: Callable[[Transaction], Awaitable[T]], watch: Sequence[str]) -> T:
        async with self._redis.pipeline(transaction=True) as pipe:
            tx = Transaction(self, branch_id, pipe)
            if watch:
                await pipe.watch(*watch)
            result = await body(tx)
            if not tx.writing:
                if len(pipe):  # queued without WATCH: they would be dropped silently (len: a cluster pipeline too)
                    raise RuntimeError("writes on tx.pipe before tx.multi()")
                return result
            await pipe.execute()
        if tx.staged:
            self.notify()
        return result

    async def add_event(self, topic: Topic, data: EventData) -> None:
        """Stage an event that comes with no state of its own (a camera's count) in a transaction of its own."""

        async def body(tx: Transaction) -> None:
            tx.multi()
            tx.stage(topic, data)

        await self.transaction(data.branch_id, body)

    def take_hot(self) -> set[str]:
        hot, self.hot = self.hot, set()
        return hot

    async def pending(self) -> int:
        return sum([int(await self._redis.xlen(self.stream(b))) for b in await self.branches()])

    async def branches(self) -> list[str]:
        members = cast(set[bytes], await self._redis.smembers(self.branches_key))
        return sorted(m.decode() for m in members)

    async def hold_lease(self) -> bool:
        return bool(await self._renew(keys=[self.lease_key], args=[self.instance, LEASE_MS]))


class OutboxRelay:
    """``ensure_topics`` (dev broker only) runs before the first publish and after any failure: tansu
    forgets its topics in a restart and then takes a produce into a topic it creates on the fly with one
    partition, where events of other partitions would be lost."""

    def __init__(
        self,
        outbox: Outbox,
        publisher: EventPublisher,
        batch: int = 500,
        ensure_topics: Callable[[], Awaitable[object]] | None = None,
        ack_timeout_s: float = 5.0,
    ) -> None:
        self._outbox = outbox
        self._redis = outbox._redis
        self._publisher = publisher
        self._batch = batch
        self._stop = asyncio.Event()
        self._ensure_topics = ensure_topics
        self._topics_checked = False
        self._ack_timeout_s = ack_timeout_s  # a round stuck on a broker that went away is given up, not waited out

    def stop(self) -> None:
        self._stop.set()
        self._outbox.wake.set()

    async def run(self, poll_s: float = 0.5) -> None:
        """Relay until stopped: the branches this process staged for as soon as it is told (``notify``),
        and every branch with an outbox at least every ``poll_s`` (other replicas' events, leftovers of
        a crash), so the cost of a relay round follows the branches that changed, not all branches."""
        delay = 0.1
        loop = asyncio.get_running_loop()
        last_full = -math.inf
        while not self._stop.is_set():
            full = loop.time() - last_full >= poll_s
            try:
                if await self._outbox.hold_lease():
                    if full:
                        last_full = loop.time()
                        self._outbox.take_hot()
                        moved = await self.relay_once()
                    else:
                        moved = await self.relay_once(self._outbox.take_hot())
                else:  # another replica relays (its full round finds what this one staged)
                    self._outbox.take_hot()
                    moved = 0
                delay = 0.1
            except Exception as exc:
                self._topics_checked = False
                last_full = -math.inf  # a failed round may have taken hot branches: look at all next time
                if not is_transient(exc):
                    log.exception("outbox relay error")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if moved == 0 and not self._outbox.hot:
                self._outbox.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._outbox.wake.wait(), max(poll_s - (loop.time() - last_full), 0.01))
        await self._drain_quietly()

    async def relay_once(self, branches: Iterable[str] | None = None) -> int:
        """Publish (in order, each acknowledged before it is deleted) what is staged for ``branches``
        (default: every branch with an outbox); their streams are read in one round trip."""
        names = sorted(branches) if branches is not None else await self._outbox.branches()
        if not names:
            return 0
        async with self._redis.pipeline(transaction=False) as pipe:
            for branch in names:
                pipe.xrange(self._outbox.stream(branch), "-", "+", count=self._batch)
            batches = cast(list[list[tuple[bytes, dict[bytes, bytes]]]], await pipe.execute())
        moved = 0
        for branch, entries in zip(names, batches, strict=True):
            if entries and self._ensure_topics is not None and not self._topics_checked:
                await self._ensure_topics()
                self._topics_checked = True
            if entries:
                stream = self._outbox.stream(branch)
                try:
                    moved += await asyncio.wait_for(self._publish_in_order(stream, entries), self._ack_timeout_s)
                except TimeoutError as exc:  # entries stay; a late acknowledgement only makes a duplicate
                    raise BusUnavailable(
                        f"outbox entries of {stream} not acknowledged within {self._ack_timeout_s} s"
                    ) from exc
        return moved

    async def _publish_in_order(self, stream: str, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> int:
        """One branch's entries into the producer's batches in stream order (one key, one partition: the
        broker keeps that order), then deleted up to the first that was not acknowledged; that one and
        the rest stay for the next round (whatever of them did reach the broker then comes again with
        the same event id, which consumers drop)."""
        futures = [
            await self._publisher.send_raw_nowait(fields[b"topic"].decode(), fields[b"value"], key=fields[b"key"])
            for _, fields in entries
        ]
        results = await asyncio.gather(*futures, return_exceptions=True)
        acked = next((i for i, r in enumerate(results) if isinstance(r, BaseException)), len(results))
        if acked:
            await self._redis.xdel(stream, *[entry_id for entry_id, _ in entries[:acked]])
        if acked < len(entries):
            error = results[acked]
            raise BusUnavailable(f"outbox entry of {stream} not acknowledged: {type(error).__name__}: {error}")
        return acked

    async def _drain_quietly(self) -> None:
        try:
            if await self._outbox.hold_lease():
                while await self.relay_once():
                    pass
            await self._redis.eval(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end",
                1,
                self._outbox.lease_key,
                self._outbox.instance,
            )
        except Exception as exc:  # what is left stays in Redis for the next start
            log.warning("outbox not drained at stop: %s", exc)
