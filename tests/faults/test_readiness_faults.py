"""Readiness goes red when Redis or Kafka is cut off through the fault proxy, and green once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from branchops.devstack import TansuBroker
from tests.conftest import make_platform
from tests.faults.harness import running_queue
from tests.faults.proxy import FaultProxy


@pytest.fixture
def redis_proxy(redis_url: str) -> Iterator[tuple[FaultProxy, str]]:
    host_port, _, db = redis_url.removeprefix("redis://").partition("/")
    proxy = FaultProxy(int(host_port.rsplit(":", 1)[1])).start()
    try:
        yield proxy, f"redis://{proxy.address}/{db or '0'}"
    finally:
        proxy.stop()


@pytest.mark.parametrize("fault", ["blackhole", "reset"])
async def test_redis_cut_off_turns_readiness_red_then_green(
    fault: str, redis_proxy: tuple[FaultProxy, str], broker: TansuBroker
) -> None:
    proxy, url = redis_proxy
    async with running_queue(url, make_platform(broker.bootstrap)) as queue:
        await queue.wait_ready(True)
        assert (await queue.issue("fault-r")).status == 201
        proxy.set_mode(fault)  # type: ignore[arg-type]
        red = await queue.wait_ready(False)
        refused = await queue.issue("fault-r")
        assert refused.status == 503 and refused.media_type == "application/problem+json", refused.body
        proxy.set_mode("pass")
        green = await queue.wait_ready(True)
        # a client honouring Retry-After gets its ticket: a pooled connection the cut left half-open can fail the
        # first request after readiness is green again (503, nothing changed; seen once in CI with "reset")
        attempts = [await queue.issue("fault-r")]
        while attempts[-1].status == 503 and len(attempts) < 3:
            await asyncio.sleep(1.0)
            attempts.append(await queue.issue("fault-r"))
        assert attempts[-1].status == 201, [a.status for a in attempts]
    print(f"redis {fault}: red after {red:.1f} s, green {green:.1f} s after repair, {len(attempts)} request(s)")


@pytest.fixture
def proxied_broker(tmp_path: Path) -> Iterator[tuple[TansuBroker, FaultProxy]]:
    """A broker that advertises the proxy, so every connection (not only bootstrap) goes through it."""
    broker = TansuBroker(log_dir=tmp_path)
    proxy = FaultProxy(broker.port).start()
    argv = broker.process.argv
    argv[argv.index("--advertised-listener-url") + 1] = f"tcp://{proxy.address}"
    broker.start(partitions=2)
    try:
        yield broker, proxy
    finally:
        broker.stop()
        proxy.stop()


@pytest.mark.parametrize("fault", ["blackhole", "reset"])
async def test_kafka_cut_off_turns_readiness_red_then_green(
    fault: str, redis_url: str, proxied_broker: tuple[TansuBroker, FaultProxy]
) -> None:
    _, proxy = proxied_broker
    async with running_queue(redis_url, make_platform(proxy.address)) as queue:
        await queue.wait_ready(True)
        proxy.set_mode(fault)  # type: ignore[arg-type]
        red = await queue.wait_ready(False)
        assert (await queue.issue("fault-k")).status == 201, "tickets do not wait for Kafka (outbox)"
        proxy.set_mode("pass")
        green = await queue.wait_ready(True, timeout_s=45)
    print(f"kafka {fault}: red after {red:.1f} s, green {green:.1f} s after repair")
