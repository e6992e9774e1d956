"""The devstack starts real servers and leaves no process behind, even when its parent is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from branchops.contracts import all_topic_names
from branchops.devstack import DevStack, redis_answers
from branchops.devstack.broker import run_blocking
from branchops.devstack.process import port_open


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False


def _gone(pid: int, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


async def _topics(bootstrap: str) -> list[str]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return list(await admin.list_topics())
    finally:
        await admin.close()


def test_starts_broker_with_every_topic_and_its_own_redis_then_stops_both(tmp_path: Path) -> None:
    stack = DevStack(log_dir=tmp_path, redis_url="redis://127.0.0.1:1/0")  # nothing answers there
    stack.start()
    try:
        assert stack.local_redis is not None, "no Redis answered, so the stack started its own"
        assert stack.redis_url and redis_answers(stack.redis_url)
        assert set(all_topic_names()) <= set(run_blocking(lambda: _topics(stack.kafka_bootstrap)))
        pids = [stack.broker.process.pid, stack.local_redis.process.pid]  # type: ignore[union-attr]
        assert all(pid and _alive(pid) for pid in pids)
        host, port = stack.kafka_bootstrap.split(":")
        assert host == "127.0.0.1" and port_open(host, int(port))
    finally:
        stack.stop()
    assert all(_gone(pid) for pid in pids if pid)  # type: ignore[misc]


def test_uses_a_redis_that_answers(tmp_path: Path, redis_url: str) -> None:
    with DevStack(log_dir=tmp_path, redis_url=redis_url) as stack:
        assert stack.local_redis is None and stack.redis_url == redis_url


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_children_die_with_a_killed_parent(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from branchops.devstack import DevStack
        stack = DevStack(log_dir=Path({str(tmp_path)!r}), redis_url="redis://127.0.0.1:1/0").start()
        print(stack.broker.process.pid, stack.local_redis.process.pid, flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2])
    try:
        line = parent.stdout.readline()  # type: ignore[union-attr]
        pids = [int(p) for p in line.split()]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
        parent.send_signal(signal.SIGKILL)  # no cleanup code runs in the parent
        parent.wait(10)
        assert all(_gone(p) for p in pids), "broker and Redis must not outlive their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
