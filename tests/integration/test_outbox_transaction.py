"""The outbox's unit of work (``Outbox.transaction``) against a real Redis: state and event in one EXEC,
the body again on fresh state after a conflicting write, a clear error after the bound, early exits
that write nothing, and the relay woken only when an event was committed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import cast

import pytest
import redis.asyncio as aioredis

from branchops.bus.outbox import ATTEMPTS, Contended, Outbox, Transaction
from branchops.contracts import topics
from tests.integration.kafka_helpers import ticket

BRANCH = "b1"


@pytest.fixture
def outbox(redis_client: aioredis.Redis) -> Outbox:
    return Outbox(redis_client, f"uow-{uuid.uuid4().hex[:6]}", source="branchops/test/uow", instance="t")


@pytest.fixture
async def other(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A second client: its writes land between a body's reads and its EXEC."""
    client = aioredis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


def key(outbox: Outbox, name: str) -> str:
    return f"test:{outbox.service}:{{{BRANCH}}}:{name}"


async def staged(redis: aioredis.Redis, outbox: Outbox) -> list[dict[bytes, bytes]]:
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis.xrange(outbox.stream(BRANCH)))
    return [fields for _, fields in entries]


async def test_state_and_event_are_committed_together(redis_client: aioredis.Redis, outbox: Outbox) -> None:
    counter = key(outbox, "counter")

    async def body(tx: Transaction) -> int:
        value = int(await tx.pipe.get(counter) or 0) + 1
        tx.multi()
        tx.pipe.set(counter, value)
        tx.stage(topics.TICKETS, ticket(BRANCH, value))
        return value

    assert await outbox.transaction(BRANCH, body, watch=[counter]) == 1
    assert await redis_client.get(counter) == b"1"
    entries = await staged(redis_client, outbox)
    assert [e[b"topic"] for e in entries] == [topics.TICKETS.name.encode()] and entries[0][b"key"] == BRANCH.encode()
    assert await outbox.branches() == [BRANCH], "announced before the transaction"
    assert outbox.wake.is_set() and outbox.hot == {BRANCH}, "the relay is told"


async def test_a_conflicting_write_runs_the_body_again_on_fresh_state(
    redis_client: aioredis.Redis, outbox: Outbox, other: aioredis.Redis
) -> None:
    counter = key(outbox, "counter")
    await redis_client.set(counter, 1)
    attempts = 0

    async def body(tx: Transaction) -> int:
        nonlocal attempts
        attempts += 1
        value = int(cast(bytes, await tx.pipe.get(counter))) + 1
        if attempts == 1:
            await other.set(counter, 10)  # after our read, before our EXEC
        tx.multi()
        tx.pipe.set(counter, value)
        tx.stage(topics.TICKETS, ticket(BRANCH, value))
        return value

    assert await outbox.transaction(BRANCH, body, watch=[counter]) == 11
    assert attempts == 2
    assert await redis_client.get(counter) == b"11", "the first attempt wrote nothing"
    assert len(await staged(redis_client, outbox)) == 1, "one event: the committed attempt's"


async def test_keys_watched_after_a_read_are_guarded_too(
    redis_client: aioredis.Redis, outbox: Outbox, other: aioredis.Redis
) -> None:
    pointer, target = key(outbox, "pointer"), key(outbox, "target")
    await redis_client.set(pointer, target)
    attempts = 0

    async def body(tx: Transaction) -> None:
        nonlocal attempts
        attempts += 1
        learnt = cast(bytes, await tx.pipe.get(pointer)).decode()
        await tx.watch(learnt)
        seen = await tx.pipe.get(learnt)
        if attempts == 1:
            await other.set(learnt, "theirs")
        tx.multi()
        tx.pipe.set(learnt, f"ours after {seen!r}")

    await outbox.transaction(BRANCH, body, watch=[pointer])
    assert attempts == 2
    assert await redis_client.get(target) == b"ours after b'theirs'"


async def test_gives_up_with_a_clear_error_after_the_bound(
    redis_client: aioredis.Redis, outbox: Outbox, other: aioredis.Redis
) -> None:
    counter = key(outbox, "counter")
    attempts = 0

    async def body(tx: Transaction) -> None:
        nonlocal attempts
        attempts += 1
        await tx.pipe.get(counter)
        await other.incr(counter)  # every attempt loses
        tx.multi()
        tx.pipe.set(counter, -1)
        tx.stage(topics.TICKETS, ticket(BRANCH, attempts))

    with pytest.raises(Contended, match=f"contended {ATTEMPTS} times"):
        await outbox.transaction(BRANCH, body, watch=[counter])
    assert attempts == ATTEMPTS
    assert await redis_client.get(counter) == str(ATTEMPTS).encode(), "none of our writes landed"
    assert await staged(redis_client, outbox) == []
    assert not outbox.wake.is_set()


async def test_an_early_exit_writes_and_stages_nothing(redis_client: aioredis.Redis, outbox: Outbox) -> None:
    marker = key(outbox, "marker")
    await redis_client.set(marker, "rated")

    async def body(tx: Transaction) -> str:
        before = cast(bytes | None, await tx.pipe.get(marker))
        if before is not None:
            return f"already {before.decode()}"
        tx.multi()
        tx.pipe.set(marker, "again")
        tx.stage(topics.TICKETS, ticket(BRANCH, 1))
        return "new"

    assert await outbox.transaction(BRANCH, body, watch=[marker]) == "already rated"
    assert await redis_client.get(marker) == b"rated"
    assert await staged(redis_client, outbox) == []
    assert not outbox.wake.is_set() and not outbox.hot


async def test_an_error_in_the_body_writes_nothing(redis_client: aioredis.Redis, outbox: Outbox) -> None:
    marker = key(outbox, "marker")

    async def body(tx: Transaction) -> None:
        tx.multi()
        tx.pipe.set(marker, "half")
        tx.stage(topics.TICKETS, ticket(BRANCH, 1))
        raise LookupError("decided against it")

    with pytest.raises(LookupError):
        await outbox.transaction(BRANCH, body, watch=[marker])
    assert await redis_client.get(marker) is None
    assert await staged(redis_client, outbox) == []
    assert not outbox.wake.is_set()


async def test_the_relay_is_woken_only_when_an_event_was_committed(
    redis_client: aioredis.Redis, outbox: Outbox
) -> None:
    state = key(outbox, "state")

    async def write_only(tx: Transaction) -> None:
        tx.multi()
        tx.pipe.set(state, "no event")

    await outbox.transaction(BRANCH, write_only, watch=[state])
    assert await redis_client.get(state) == b"no event"
    assert not outbox.wake.is_set()

    async def with_event(tx: Transaction) -> None:
        tx.multi()
        tx.pipe.set(state, "with event")
        tx.stage(topics.TICKETS, ticket(BRANCH, 1))

    await outbox.transaction(BRANCH, with_event)  # nothing watched: a blind MULTI/EXEC, one attempt
    assert await redis_client.get(state) == b"with event"
    assert len(await staged(redis_client, outbox)) == 1
    assert outbox.wake.is_set()


async def test_misuse_is_an_error_not_a_silent_loss(redis_client: aioredis.Redis, outbox: Outbox) -> None:
    state = key(outbox, "state")

    async def stage_first(tx: Transaction) -> None:
        tx.stage(topics.TICKETS, ticket(BRANCH, 1))

    async def write_before_multi(tx: Transaction) -> None:
        tx.pipe.set(state, "queued without WATCH")

    async def other_branch(tx: Transaction) -> None:
        tx.multi()
        tx.stage(topics.TICKETS, ticket("b2", 1))

    async def watch_late(tx: Transaction) -> None:
        tx.multi()
        await tx.watch(state)

    with pytest.raises(RuntimeError, match=r"before tx\.multi"):
        await outbox.transaction(BRANCH, stage_first)
    with pytest.raises(RuntimeError, match=r"before tx\.multi"):
        await outbox.transaction(BRANCH, write_before_multi)
    with pytest.raises(ValueError, match="branch b2"):
        await outbox.transaction(BRANCH, other_branch)
    with pytest.raises(RuntimeError, match=r"after tx\.multi"):
        await outbox.transaction(BRANCH, watch_late, watch=[state])
    assert await redis_client.get(state) is None
    assert await redis_client.xlen(outbox.stream("b2")) == 0
