"""Broker and replica failures on a 3-broker Apache Kafka cluster under ticket load (issue 22 item 3).

A 3-node KRaft cluster (replication 3, min ISR 2; the producers' acks=all, idempotent), a Redis and a
PostgreSQL of this run (branchops.devstack), the queue service and two replicas of the records service (one
consumer group) as processes. A load of ``--rate`` tickets/s (default 200) goes to the queue's HTTP API for
``--seconds`` (60). During the load:

* at 25% of the run the broker that leads the branch's tickets.v1 partition is SIGKILLed, and started again
  at 50% (its storage kept: it rejoins and catches up);
* at 60% one records replica is SIGKILLed (the group rebalances its partitions to the other).

Afterwards, once records has caught up: every ticket the queue acknowledged (201) must be in the records
database exactly once as ``issued`` (by ticket id), and no event id twice. Measured: acknowledged,
refused/failed requests, lost and duplicated tickets, the longest gap between two acknowledgements around
the broker kill (what a kiosk customer would feel), the time from the replica kill until the records
database had every acknowledged ticket, and the time records needed after the load to catch up.
Prints a table and writes bench/results/kafka_failover.json.

    python -m bench.kafka_failover [--rate 200] [--seconds 60]

Needs Java 17+ and Maven (Apache Kafka's jars from Maven Central, as ``make test-kafka``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka.admin import AIOKafkaAdminClient

from bench.common import machine, write_result
from branchops.contracts import topics
from branchops.devstack import SERVICES, DevStack
from branchops.devstack.kafka import KafkaCluster, missing_tools
from branchops.devstack.process import ManagedProcess, free_port
from branchops.settings import Role
from tests.conftest import api_key
from tests.e2e.helpers import service_env

KIOSK = {"X-API-Key": api_key(Role.KIOSK)}


@dataclass
class Load:
    url: str
    rate: float
    acked: dict[str, float] = field(default_factory=dict)  # ticket id -> when (monotonic)
    refused: dict[int, int] = field(default_factory=dict)
    failed: int = 0
    sent: int = 0

    async def run(self, seconds: float, workers: int = 128) -> None:
        """``rate`` requests a second on a fixed schedule, by ``workers`` connections each taking the next slot
        (a slot whose time has passed is sent at once: when the queue is slow the rate falls, and the achieved
        rate is reported; a bounded number of requests in flight, as kiosks and tellers are)."""
        limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
        started = time.monotonic()
        slots = iter(range(10**9))

        async def worker(http: httpx.AsyncClient) -> None:
            for n in slots:
                due = started + n / self.rate
                if due - started >= seconds:
                    return
                now = time.monotonic()
                if now - started >= seconds:
                    return
                if due > now:
                    await asyncio.sleep(due - now)
                self.sent += 1
                await self._one(http)

        async with httpx.AsyncClient(timeout=10, limits=limits) as http:
            await asyncio.gather(*(worker(http) for _ in range(workers)))

    async def _one(self, http: httpx.AsyncClient) -> None:
        try:
            reply = await http.post(self.url, json={"service": "cash"}, headers=KIOSK)
        except httpx.HTTPError:
            self.failed += 1
            return
        if reply.status_code == 201:
            self.acked[reply.json()["ticket_id"]] = time.monotonic()
        else:
            self.refused[reply.status_code] = self.refused.get(reply.status_code, 0) + 1


def longest_gap(times: list[float], since: float, until: float) -> float:
    inside = sorted(t for t in times if since <= t <= until)
    points = [since, *inside, until]
    return max(b - a for a, b in itertools.pairwise(points))


async def leader_of_branch_partition(bootstrap: str, branch: str) -> int:
    """The node id leading the tickets.v1 partition the branch's key goes to (murmur2 as the producer)."""
    from aiokafka.partitioner import DefaultPartitioner

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topics.TICKETS.name])
    finally:
        await admin.close()
    parts = sorted(described[0]["partitions"], key=lambda p: p["partition"])
    index = DefaultPartitioner()(branch.encode(), list(range(len(parts))), list(range(len(parts))))
    return int(parts[index]["leader"])


async def records_state(database_url: str, branch: str) -> tuple[dict[str, int], int]:
    """(issued events per ticket id, event ids seen more than once) for the branch."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT ticket_id, count(*) AS n FROM events_tickets WHERE branch_id = $1 AND status = 'issued' "
            "GROUP BY ticket_id",
            branch,
        )
        dup_ids = await conn.fetchval(
            "SELECT count(*) FROM (SELECT event_id FROM events_tickets WHERE branch_id = $1 "
            "GROUP BY event_id HAVING count(*) > 1) d",
            branch,
        )
    finally:
        await conn.close()
    return {r["ticket_id"]: int(r["n"]) for r in rows}, int(dup_ids)


async def wait_caught_up(database_url: str, branch: str, acked: set[str], timeout_s: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        issued, _ = await records_state(database_url, branch)
        if acked <= set(issued):
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    return None


def start_records_replica(stack: DevStack, spec: Any, name: str) -> tuple[ManagedProcess, int]:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        spec.app_factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    proc = ManagedProcess(name, argv, log_path=stack.log_dir / f"{name}.log", env=stack.env(service_env()))
    proc.start()
    return proc, port


async def run(rate: float, seconds: float, workers: int) -> dict[str, Any]:
    reason = missing_tools()
    if reason:
        raise SystemExit(f"needs Java and Maven: {reason}")
    logs = Path(tempfile.mkdtemp(prefix="kafka-failover-"))
    stack = DevStack(log_dir=logs, isolated=True, broker_kind="tansu")
    # the stack's Redis and PostgreSQL; its broker: a 3-node Apache Kafka cluster instead of the single node
    stack.start()
    assert stack.broker is not None
    stack.broker.stop()
    cluster = KafkaCluster(log_dir=logs, size=3)
    cluster.start()
    stack.broker = cluster
    specs = {s.name: s for s in SERVICES}
    branch = f"fo-{uuid.uuid4().hex[:6]}"
    replica: tuple[ManagedProcess, int] | None = None
    try:
        queue_port = stack.start_service(specs["queue"], env=service_env())
        stack.start_service(specs["records"], env=service_env())
        replica = start_records_replica(stack, specs["records"], "records-2")
        stack.wait_healthy(timeout_s=120)
        assert stack.database_url is not None
        load = Load(f"http://127.0.0.1:{queue_port}/v1/branches/{branch}/tickets", rate)
        warm = Load(load.url, 20)
        await warm.run(2)  # the branch's topics, consumers and connections warm
        leader = await leader_of_branch_partition(cluster.bootstrap, branch)
        t0 = time.monotonic()
        events: dict[str, float] = {}

        async def faults() -> None:
            await asyncio.sleep(seconds * 0.25)
            cluster.node(leader).kill()
            events["broker_killed"] = time.monotonic()
            await asyncio.sleep(seconds * 0.25)
            cluster.node(leader).start()
            events["broker_started"] = time.monotonic()
            await asyncio.sleep(seconds * 0.10)
            stack.services["records"][0].kill()
            events["replica_killed"] = time.monotonic()

        await asyncio.gather(load.run(seconds, workers), faults())
        load_end = time.monotonic()
        acked = set(load.acked) | set(warm.acked)
        caught_up = await wait_caught_up(stack.database_url, branch, acked, timeout_s=180)
        issued, dup_event_ids = await records_state(stack.database_url, branch)
        lost = sorted(acked - set(issued))
        twice = sorted(t for t, n in issued.items() if n > 1)
        unknown = sorted(set(issued) - acked)  # issued but never acknowledged (the request died): allowed
        times = list(load.acked.values())
        return {
            "rate": rate,
            "workers": workers,
            "seconds": seconds,
            "killed_broker": leader,
            "sent": load.sent,
            "achieved_rate": round(load.sent / seconds, 1),
            "acked": len(acked),
            "refused": load.refused,
            "failed_requests": load.failed,
            "lost": len(lost),
            "lost_ids": lost[:20],
            "issued_twice": len(twice),
            "duplicate_event_ids": dup_event_ids,
            "issued_not_acked": len(unknown),
            "longest_ack_gap_s_broker_kill": round(
                longest_gap(times, events["broker_killed"], events["broker_killed"] + 15), 2
            ),
            "longest_ack_gap_s_broker_back": round(
                longest_gap(times, events["broker_started"], events["broker_started"] + 15), 2
            ),
            "records_caught_up_after_load_s": None if caught_up is None else round(caught_up, 1),
            "load_seconds": round(load_end - t0, 1),
            "logs": str(logs),
        }
    finally:
        if replica:
            replica[0].stop()
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=128, help="requests in flight at most (kiosks, tellers)")
    args = parser.parse_args()
    result = asyncio.run(run(args.rate, args.seconds, args.workers))
    result["machine"] = machine()
    for key in (
        "sent",
        "achieved_rate",
        "acked",
        "refused",
        "failed_requests",
        "lost",
        "issued_twice",
        "duplicate_event_ids",
        "issued_not_acked",
        "longest_ack_gap_s_broker_kill",
        "longest_ack_gap_s_broker_back",
        "records_caught_up_after_load_s",
    ):
        print(f"{key:<34}{json.dumps(result[key])}")
    print(f"machine load {result['machine']['loadavg_1m']}")
    print(write_result("kafka_failover", result))


if __name__ == "__main__":
    main()
