"""Head-office replay by time (issue 22 item 4): offsets for times on Apache Kafka, a scan on tansu.

Records are produced with explicit timestamps before, inside and after a one-hour period two days ago, for
two branches on two partitions; the replay must return exactly the period's records (of the branch when
asked) and, on Apache Kafka, read no record outside the period (the broker's time index gave the offsets).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from branchops.bus.replay import ReplayError, replay_window
from branchops.contracts import encode, new_event, topics
from branchops.devstack import KafkaBroker, TansuBroker
from branchops.devstack.kafka import missing_tools
from tests.integration.kafka_helpers import ticket

START = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
END = START + dt.timedelta(hours=1)
BRANCHES = ("ho-a", "ho-b")


@pytest.fixture(scope="module")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    reason = missing_tools()
    if reason:
        pytest.skip(reason)
    if os.environ.get("BRANCHOPS_TEST_CLOCK_SHIFT_DAYS"):
        pytest.skip("the JVM is not run under libfaketime; the replay on Kafka runs in make test and make test-kafka")
    broker = KafkaBroker(log_dir=tmp_path_factory.mktemp("replay-kafka"))
    broker.start(with_topics=False)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def tansu(tmp_path: Path) -> Iterator[TansuBroker]:
    broker = TansuBroker(log_dir=tmp_path)
    broker.start(with_topics=False)
    try:
        yield broker
    finally:
        broker.stop()


async def _fill(bootstrap: str) -> tuple[str, dict[str, set[str]]]:
    """A fresh topic with 2 partitions: 10 records an hour before START, 12 in [START, END) spread over the
    hour (6 a branch), 10 at and after END. Returns the topic and the ticket ids inside, by branch."""
    topic = f"replay-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 2, 1)])
    finally:
        await admin.close()
    inside: dict[str, set[str]] = {b: set() for b in BRANCHES}
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        plan = (
            [(START - dt.timedelta(minutes=60 - i), False) for i in range(10)]
            + [(START + dt.timedelta(minutes=5 * i), True) for i in range(12)]
            + [(END + dt.timedelta(minutes=i), False) for i in range(10)]
        )
        for n, (at, is_inside) in enumerate(plan, start=1):
            branch = BRANCHES[n % 2]
            event = new_event(topics.TICKETS, ticket(branch, n), source="branchops/test/replay")
            await producer.send_and_wait(
                topic, encode(event), key=branch.encode(), timestamp_ms=int(at.timestamp() * 1000)
            )
            if is_inside:
                inside[branch].add(f"t{n}")
    finally:
        await producer.stop()
    return topic, inside


def _ids(events: list[dict[str, object]]) -> set[str]:
    return {e["event"]["data"]["ticket_id"] for e in events}  # type: ignore[index]


async def test_replay_by_time_uses_offsets_for_times_on_kafka(kafka: KafkaBroker) -> None:
    topic, inside = await _fill(kafka.bootstrap)
    report, events = await replay_window(kafka.bootstrap, topic, START, END)
    assert report.method == "offsets_for_times", report.note
    assert _ids([e.as_json() for e in events]) == inside["ho-a"] | inside["ho-b"]
    assert report.read == report.matched == 12, "only the period's records were fetched"
    assert all(START <= e.timestamp < END for e in events)

    report, events = await replay_window(kafka.bootstrap, topic, START, END, branch="ho-b")
    assert _ids([e.as_json() for e in events]) == inside["ho-b"]
    assert {e.key for e in events} == {"ho-b"}

    report, events = await replay_window(kafka.bootstrap, topic, START, END, method="scan")
    assert report.method == "scan" and report.read == 32
    assert _ids([e.as_json() for e in events]) == inside["ho-a"] | inside["ho-b"]

    with pytest.raises(ReplayError, match="no topic"):
        await replay_window(kafka.bootstrap, f"missing-{uuid.uuid4().hex[:6]}", START, END)
    with pytest.raises(ValueError, match="must be after"):
        await replay_window(kafka.bootstrap, topic, END, START)


def test_replay_command_prints_json_lines(kafka: KafkaBroker) -> None:
    topic, inside = asyncio.run(_fill(kafka.bootstrap))
    argv = [sys.executable, "-m", "branchops.cli", "replay", "--topic", topic, "--bootstrap", kafka.bootstrap]
    argv += ["--since", START.isoformat(), "--until", END.strftime("%Y-%m-%dT%H:%M:%SZ"), "--branch", "ho-a"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=dict(os.environ), check=False)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert _ids(lines) == inside["ho-a"]
    assert all(line["topic"] == topic and line["key"] == "ho-a" for line in lines)
    summary = json.loads(done.stderr.strip().splitlines()[-1])["replay"]
    assert summary["method"] == "offsets_for_times" and summary["matched"] == len(inside["ho-a"])


async def test_replay_falls_back_to_a_scan_on_tansu(tansu: TansuBroker) -> None:
    topic, inside = await _fill(tansu.bootstrap)
    report, events = await replay_window(tansu.bootstrap, topic, START, END)
    assert report.method == "scan", report.as_json()
    assert "offsets for times" in report.note
    assert _ids([e.as_json() for e in events]) == inside["ho-a"] | inside["ho-b"]
