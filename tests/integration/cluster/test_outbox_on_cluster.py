"""The outbox suites (lease script, relay rounds, the unit of work's WATCH/MULTI/EXEC) on the Redis Cluster."""

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

import tests.integration.test_outbox as relay_suite
from branchops.bus.outbox import Outbox
from branchops.contracts import topics
from branchops.state.client import create_redis
from branchops.state.keys import branch_key
from tests.integration.kafka_helpers import ticket
from tests.integration.test_outbox import *  # noqa: F403
from tests.integration.test_outbox_transaction import *  # noqa: F403


async def _stage_in_the_branch_slot(redis: aioredis.Redis, outbox: Outbox, branch: str, numbers: range) -> None:
    """The relay suite's helper, its state key in the branch's slot as the services' keys are (its own
    ``test:<branch>:<n>`` key has no hash tag: a MULTI/EXEC with it and the outbox stream is CROSSSLOT)."""
    await outbox.announce(branch)
    for n in numbers:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.multi()
            pipe.set(branch_key(outbox.service, branch, "n", str(n)), n)
            outbox.stage(pipe, topics.TICKETS, ticket(branch, n))
            await pipe.execute()


@pytest.fixture(autouse=True)
def _branch_tagged_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relay_suite, "_stage", _stage_in_the_branch_slot)


@pytest.fixture
async def other(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A second client (another replica) on the cluster."""
    client = create_redis(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def test_a_transaction_over_two_slots_is_refused_whole(redis_client: aioredis.Redis, outbox: Outbox) -> None:
    """The guard the hash tags buy: a unit of work that strays into another branch's slot writes nothing."""
    from redis.exceptions import RedisClusterException, ResponseError

    mine, theirs = branch_key(outbox.service, "s1", "state"), branch_key(outbox.service, "s2", "state")

    async def body(tx) -> None:  # type: ignore[no-untyped-def]
        tx.multi()
        tx.pipe.set(mine, 1)
        tx.pipe.set(theirs, 1)

    with pytest.raises((RedisClusterException, ResponseError), match="slot"):
        await outbox.transaction("s1", body)
    assert await redis_client.get(mine) is None and await redis_client.get(theirs) is None
