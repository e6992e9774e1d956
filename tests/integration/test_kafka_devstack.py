"""branchops.devstack.kafka: Apache Kafka from the pinned Maven artifacts (issue 22 item 1).

A single KRaft node through the DevStack's broker choice, a 3-node KRaft cluster (replication 3, min ISR 2)
that keeps taking acks=all writes with one node killed, the cache of jars, and nodes that die with their
parent. Skipped with the reason when Java or Maven is missing (CI and the developers' machines have both).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from branchops.contracts import topics
from branchops.devstack import DevStack, KafkaCluster
from branchops.devstack.kafka import KAFKA_VERSION, cache_dir, dev_broker_kind, kafka_jars, missing_tools

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=missing_tools() or "")
starts_java = pytest.mark.skipif(
    bool(os.environ.get("BRANCHOPS_TEST_CLOCK_SHIFT_DAYS")),
    reason="the JVM is not run under libfaketime; these tests run in make test and make test-kafka",
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    started = KafkaCluster(log_dir=tmp_path_factory.mktemp("kafka-cluster"), size=3)
    started.start(partitions=3)
    try:
        yield started
    finally:
        started.stop()


@starts_java
def test_jars_come_from_the_pinned_pom_into_the_cache() -> None:
    jars = kafka_jars()
    assert all(jar.is_relative_to(cache_dir()) for jar in jars)
    names = {jar.name for jar in jars}
    assert f"kafka_2.13-{KAFKA_VERSION}.jar" in names and f"kafka-clients-{KAFKA_VERSION}.jar" in names


def test_broker_choice_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRANCHOPS_DEV_BROKER", raising=False)
    assert dev_broker_kind() == "tansu", "tansu stays the default"
    monkeypatch.setenv("BRANCHOPS_DEV_BROKER", "Kafka")
    assert dev_broker_kind() == "kafka"
    monkeypatch.setenv("BRANCHOPS_DEV_BROKER", "redpanda")
    with pytest.raises(ValueError, match="tansu' or 'kafka"):
        dev_broker_kind()


@starts_java
def test_devstack_on_a_single_kafka_node(tmp_path: Path, redis_url: str, database_url: str) -> None:
    stack = DevStack(log_dir=tmp_path, redis_url=redis_url, database_url=database_url, broker_kind="kafka")
    stack.start()
    try:
        assert isinstance(stack.broker, KafkaCluster) and stack.broker.size == 1
        assert stack.supports_idempotence and stack.supports_offsets_for_times
        env = stack.env()
        assert env["BRANCHOPS_KAFKA_IDEMPOTENCE"] == "true"
        assert "BRANCHOPS_KAFKA_CREATE_TOPICS" not in env, "Kafka keeps its topics: tansu's workaround is off"
        names = asyncio.run(_topic_names(stack.kafka_bootstrap))
        assert topics.TICKETS.name in names and topics.TICKETS.dlq in names
        data = stack.broker.data_dir
        assert data.is_dir()
    finally:
        stack.stop()
    assert not data.exists(), "stop deletes the storage of the run"


async def _topic_names(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def _describe(bootstrap: str, topic: str) -> list[dict[str, object]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
        return list(described[0]["partitions"])
    finally:
        await admin.close()


async def _produce(bootstrap: str, n: int) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for i in range(n):
            await producer.send_and_wait(topics.TICKETS.name, f"v{i}".encode(), key=f"b{i % 7}".encode())
        return n
    finally:
        await producer.stop()


@starts_java
def test_three_node_cluster_replicates_and_survives_a_node(cluster: KafkaCluster) -> None:
    assert len(cluster.bootstrap.split(",")) == 3
    partitions = asyncio.run(_describe(cluster.bootstrap, topics.TICKETS.name))
    assert len(partitions) == 3
    for partition in partitions:
        assert len(partition["replicas"]) == 3 and len(partition["isr"]) == 3  # type: ignore[arg-type]
    assert asyncio.run(_produce(cluster.bootstrap, 50)) == 50
    victim = cluster.node(2)
    victim.kill()
    started = time.monotonic()
    assert asyncio.run(asyncio.wait_for(_produce(cluster.bootstrap, 50), 60)) == 50, "min ISR 2 of 3: writes go on"
    print(f"acks=all writes went on {time.monotonic() - started:.1f} s after node 2 was killed")
    victim.start()
    cluster.wait_ready(90)


@starts_java
def test_nodes_die_with_their_parent(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from branchops.devstack import KafkaBroker
        broker = KafkaBroker(log_dir=Path({str(tmp_path)!r}))
        broker.start(with_topics=False)
        print(broker.process.pid, flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline().strip()
        assert line.isdigit(), f"the parent did not start Kafka (log: {list(tmp_path.glob('*.log'))})"
        java = int(line)
        os.kill(java, 0)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _alive(java):
            time.sleep(0.2)
        assert not _alive(java), "the Kafka node outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
