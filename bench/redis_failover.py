"""What a Redis Cluster failover loses: tickets at a steady rate through the queue app while one master is killed.

    .venv/bin/python bench/redis_failover.py [--rate 200] [--seconds 30] [--kill-at 10] [--branches 120]
        [--in-flight 32] [--lag-ms 500] [--guard]

Starts a 3-master Redis Cluster with one replica each (``branchops.devstack.LocalRedisCluster``) and the queue
app in-process (``build_app``; tickets go through its use case ``app.state.tickets.issue``, what ``POST
/tickets`` calls, without the HTTP layer, which a loaded 2-core machine cannot run at 200/s beside the rest; no
broker: the outbox keeps the events in Redis, where they are counted). Tickets are sent open-loop at ``--rate``
per second (at most ``--in-flight`` at once) for ``--seconds``, spread over ``--branches`` branches; at
``--kill-at`` seconds the master serving the first branch's slot is SIGKILLed and its replica takes over
(``cluster-node-timeout`` 1 s). Afterwards every acknowledged ticket is looked up in the cluster:

* lost: acknowledged, but its ticket hash is gone (the old master acknowledged it before its replica had it);
  ``--lag-ms``: the replica cut off (frozen, its link dropped) that long before the kill (a partition)
* numbers issued twice: two acknowledged tickets of one branch and service with one number (the counter
  came back older after the failover and gave the same numbers again);
* events lost: acknowledged tickets minus the entries of the branch's outbox stream (the relay is not run).

``--guard`` wires ``services/queue/adapters/number_guard.py`` in front of the ticket store's issue (what the
queue's bootstrap would do): numbers issued twice should then be 0, refused numbers are counted. Writes
bench/results/redis_failover[-lag<ms>ms][-guard].json. The machine's load is in the result (2 shared cores here).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, percentile, write_result
from branchops.contracts.enums import Channel, ServiceName
from branchops.devstack.redis_cluster import LocalRedisCluster
from branchops.settings import PlatformSettings
from branchops.state.client import create_redis
from branchops.state.keys import branch_key
from services.queue.adapters.keys import Keys
from services.queue.adapters.number_guard import NumberGuard
from services.queue.bootstrap import build_app
from services.queue.domain.tickets import IssueTicket
from services.queue.settings import QueueSettings

KIOSK_KEY = "bench-failover-kiosk-key-0123456789"


def wire_guard(app: Any, guard: NumberGuard) -> None:
    """The ticket store's issue with the guard in front: the wiring the queue would get in TicketStore.issue."""
    store = app.state.tickets.store
    issue = store.issue

    async def guarded(command: Any, now: dt.datetime, prediction: Any = None, sequence: int | None = None) -> Any:
        taken = await guard.take(store.counter(command.branch_id, command.service, now), sequence)
        return await issue(command, now, prediction, taken)

    store.issue = guarded


async def measure(
    cluster: LocalRedisCluster,
    *,
    rate: float,
    seconds: float,
    kill_at: float,
    branches: int,
    guard: bool,
    lag_s: float = 0.0,
    timeout_s: float = 10.0,
    in_flight: int = 32,
) -> dict[str, Any]:
    run = uuid.uuid4().hex[:6]
    names = [f"fo-{run}-{i}" for i in range(branches)]
    victim_key = branch_key("queue", names[0])
    doomed = cluster.node_for(victim_key)
    on_victim = {b for b in names if cluster.node_for(branch_key("queue", b)).port == doomed.port}
    platform = PlatformSettings(
        env="development", kafka_bootstrap="127.0.0.1:9", api_keys={KIOSK_KEY: "kiosk"}, instance="bench"
    )
    app = build_app(QueueSettings(redis_url=cluster.url), platform)
    number_guard = NumberGuard(app.state.tickets.store._redis) if guard else None
    if number_guard is not None:
        wire_guard(app, number_guard)
    acked: list[tuple[str, str, str, float]] = []  # (branch, number, ticket id, acknowledged at: s after start)
    errors: collections.Counter[str] = collections.Counter()
    error_times: list[float] = []
    latencies: list[float] = []
    failover: dict[str, float] = {}
    tickets = app.state.tickets  # the queue's use case, as its POST /tickets route calls it
    gate = asyncio.Semaphore(in_flight)
    for b in names:  # warm-up: the client learns the slot map, the scripts are loaded
        record, _, _ = await tickets.issue(IssueTicket(b, ServiceName.CASH, Channel.KIOSK))
        acked.append((b, record.number, record.ticket_id, 0.0))
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def one(i: int) -> None:
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        branch = names[i % len(names)]
        async with gate:
            try:
                record, _, _ = await asyncio.wait_for(
                    tickets.issue(IssueTicket(branch, ServiceName.CASH, Channel.KIOSK)), timeout_s
                )
            except Exception as exc:  # refused: Redis unreachable, the slot without a master, a guard refusal
                errors[type(exc).__name__] += 1
                error_times.append(loop.time() - start)
                return
        latencies.append(loop.time() - due)
        acked.append((branch, record.number, record.ticket_id, loop.time() - start))

    async def kill() -> None:
        replica = cluster.replica_of(doomed)
        await asyncio.sleep(max(0.0, kill_at - lag_s))
        if lag_s:
            cluster.cut_off_replica(doomed)  # from here the master acknowledges what its replica never gets
            await asyncio.sleep(lag_s)
        failover["killed_at_s"] = loop.time() - start
        await asyncio.to_thread(cluster.kill_master, victim_key)
        cluster.thaw(replica)
        await asyncio.to_thread(cluster.wait_failover, victim_key, 60.0)
        failover["whole_again_s"] = loop.time() - start

    killer = asyncio.create_task(kill())
    await asyncio.gather(*(one(i) for i in range(int(rate * seconds))))
    await killer
    await app.state.tickets.store._redis.aclose()
    return await _count(cluster, names, on_victim, acked, errors, error_times, latencies, failover, number_guard)


async def _count(
    cluster: LocalRedisCluster,
    names: list[str],
    on_victim: set[str],
    acked: list[tuple[str, str, str, float]],
    errors: collections.Counter[str],
    error_times: list[float],
    latencies: list[float],
    failover: dict[str, float],
    guard: NumberGuard | None,
) -> dict[str, Any]:
    redis = create_redis(cluster.url)
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for branch, _, ticket_id, _ in acked:
                pipe.exists(Keys(branch).ticket(ticket_id))
            present = await pipe.execute()
        streams = {b: int(await redis.xlen(branch_key("queue", b, "outbox"))) for b in names}
    finally:
        await redis.aclose()
    lost = [(b, n, t) for (b, n, _, t), here in zip(acked, present, strict=True) if not here]
    seen: collections.Counter[tuple[str, str]] = collections.Counter((b, n) for b, n, _, _ in acked)
    twice = {k: c for k, c in seen.items() if c > 1}
    per_branch = collections.Counter(b for b, _, _, _ in acked)
    events_lost = sum(max(0, per_branch[b] - streams[b]) for b in names)
    killed = failover.get("killed_at_s", 0.0)
    last = max((t for _, _, _, t in acked), default=0.0)
    return {
        "acknowledged": len(acked),
        "acknowledged_per_s": round((len(acked) - len(names)) / last, 1) if last else 0.0,
        "acknowledged_on_killed_master": sum(per_branch[b] for b in on_victim),
        "branches_on_killed_master": len(on_victim),
        "lost_tickets": len(lost),
        "lost_acknowledged_s_from_kill": (  # when the lost tickets were acknowledged, from the kill (negative: before)
            [round(min(t for _, _, t in lost) - killed, 3), round(max(t for _, _, t in lost) - killed, 3)]
            if lost
            else []
        ),
        "numbers_issued_twice": len(twice),
        "tickets_sharing_a_number": sum(twice.values()),
        "events_lost": events_lost,
        "refused": dict(errors),
        "refused_between_s": [round(min(error_times), 2), round(max(error_times), 2)] if error_times else [],
        "guard_refused_numbers": guard.refused if guard else None,
        "latency_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "latency_p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "latency_max_ms": round(max(latencies, default=0.0) * 1000, 1),
        **{k: round(v, 2) for k, v in failover.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--kill-at", type=float, default=10.0)
    parser.add_argument("--branches", type=int, default=120)
    parser.add_argument("--in-flight", type=int, default=32, help="tickets being issued at once, at most")
    parser.add_argument("--guard", action="store_true", help="the number guard in front of the ticket store")
    parser.add_argument(
        "--lag-ms", type=float, default=0.0, help="the replica cut off from its master this long before the kill"
    )
    args = parser.parse_args()
    cluster = LocalRedisCluster(log_dir=Path(tempfile.mkdtemp(prefix="branchops-failover-")))
    began = time.time()
    cluster.start()
    try:
        result = asyncio.run(
            measure(
                cluster,
                rate=args.rate,
                seconds=args.seconds,
                kill_at=args.kill_at,
                branches=args.branches,
                guard=args.guard,
                lag_s=args.lag_ms / 1000,
                in_flight=args.in_flight,
            )
        )
    finally:
        cluster.stop()
    payload = {"args": vars(args), "machine": machine(), "wall_s": round(time.time() - began, 1), "result": result}
    for key, value in result.items():
        print(f"{key:40} {value}")
    print(f"{'machine':40} {payload['machine']}")
    name = "redis_failover" + (f"-lag{args.lag_ms:g}ms" if args.lag_ms else "") + ("-guard" if args.guard else "")
    write_result(name, payload)


if __name__ == "__main__":
    main()
