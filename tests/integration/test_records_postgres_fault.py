"""PostgreSQL goes away under records and comes back: records is not ready meanwhile, its consumer commits no
offsets, and once the same server is back (same data folder, same port) it catches up with nothing lost and
nothing counted twice. A real server: the embedded PostgreSQL of the devstack, its postmaster stopped and
started again."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from branchops.contracts import topics
from branchops.devstack import EmbeddedPostgres, TansuBroker
from branchops.devstack.postgres import create_database
from tests.conftest import make_platform
from tests.integration.kafka_helpers import wait_for
from tests.integration.records_support import (
    branch_morning,
    encoded,
    produce,
    raw_count,
    records_settings,
    running_records,
    scalar,
)

GROUP = "branchops-records"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of this test alone (the session's server is shared: it must not stop)."""
    own = EmbeddedPostgres(log_dir=tmp_path / "postgres")
    own.start()
    try:
        yield own
    finally:
        own.stop()


async def committed(bootstrap: str) -> int:
    """The sum of the offsets records' group committed, over every partition of every topic."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=GROUP, enable_auto_commit=False)
    await consumer.start()
    try:
        total = 0
        for topic in topics.ALL_TOPICS:
            for partition in consumer.partitions_for_topic(topic.name) or ():
                total += await consumer.committed(TopicPartition(topic.name, partition)) or 0
        return total
    finally:
        await consumer.stop()


async def test_records_waits_for_postgres_and_then_catches_up_exactly(
    broker: TansuBroker, redis_url: str, server: EmbeddedPostgres
) -> None:
    url = create_database(server.url, "records_fault")
    settings = records_settings(url, redis_url, history_enabled=True, database_timeout_s=2.0, retry_backoff_ms=50)
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).replace(microsecond=0)
    before, _ = branch_morning("fault-b1", start, tickets=20)
    during, expected = branch_morning("fault-b2", start, tickets=25, seed=9)
    first, second = encoded(before), encoded(during)
    async with running_records(settings, make_platform(broker.bootstrap)) as (app, client):
        engine = app.state.engine
        consumer = app.state.history.consumer
        await produce(broker.bootstrap, first)

        async def first_kept() -> bool:
            return await raw_count(engine, "fault-b1") == len(first) and consumer.stats.committed >= len(first)

        await wait_for(first_kept, timeout_s=60, what="the first events kept and committed")
        assert (await client.get("/readyz")).status_code == 200
        offsets_before = await committed(broker.bootstrap)
        assert offsets_before == len(first)

        assert server.process is not None
        server.process.stop()  # the postmaster goes (fast shutdown); its data folder and port stay
        assert not server.alive()
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and not ready.json()["checks"]["postgres"]["ok"]
        await produce(broker.bootstrap, second)

        def stalled() -> bool:  # the consumer has the new events in hand and keeps failing to store them
            return consumer.stats.outages >= 3

        await wait_for(stalled, timeout_s=20, what="the consumer stalled on the second batch")
        await asyncio.sleep(2)
        assert consumer.stats.committed == len(first), "nothing committed while PostgreSQL is away"
        assert await committed(broker.bootstrap) == offsets_before
        assert (await client.get("/readyz")).status_code == 503

        await asyncio.to_thread(server.start)  # the same data folder, the same port
        assert server.alive()

        async def caught_up() -> bool:
            return consumer.stats.committed >= len(first) + len(second)

        await wait_for(caught_up, timeout_s=60, what="the consumer caught up once PostgreSQL was back")
        assert await raw_count(engine, "fault-b1") == len(first)
        assert await raw_count(engine, "fault-b2") == len(second), "nothing lost, nothing doubled"
        counted = await scalar(
            engine, "SELECT ARRAY[sum(arrivals), sum(served)] FROM rollup_service_interval WHERE branch_id = 'fault-b2'"
        )
        assert counted == [expected.tickets, expected.served]
        assert await committed(broker.bootstrap) == len(first) + len(second)

        async def ready_again() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await wait_for(ready_again, timeout_s=30, what="ready again")
