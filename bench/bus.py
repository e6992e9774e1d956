"""Publish-to-consume throughput and latency of ~1 KB events through the dev broker (tansu or Apache Kafka).

Our wrapper (EventPublisher + ConsumerRunner: typed models, CloudEvents encode/validate, Redis dedup,
commit after each partition batch) beside raw aiokafka (bytes in, bytes out, the same producer options,
commit after each batch), in the same process, on the same fresh broker. Prints a table and writes
bench/results/bus.json (bus-kafka.json on Apache Kafka). Beside each throughput it records this process's
CPU time per message: on a loaded machine the client gets a share of a core, so throughput follows that.

    python bench/bus.py [--broker tansu|kafka] [--messages 50000] [--runs 3] [--rate 2000] [--seconds 5]

``--broker kafka`` (default: ``BRANCHOPS_DEV_BROKER``, else tansu): a single KRaft node of Apache Kafka from
``branchops.devstack.kafka`` (Java 17 + Maven), with the JIT's full tiers unless ``BRANCHOPS_KAFKA_JVM_OPTS``
says otherwise, and both producers idempotent (what the broker supports, as in production).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.common import machine, median, percentile, write_result
from branchops.bus import ConsumerConfig, ConsumerRunner, EventPublisher
from branchops.bus.producer import producer_options
from branchops.contracts import CloudEvent, decode, encode, new_event, topics
from branchops.contracts import events as e
from branchops.devstack import LocalRedis, TansuBroker, redis_answers
from branchops.devstack.kafka import KafkaBroker, broker_capabilities, dev_broker, dev_broker_kind
from branchops.settings import PlatformSettings

TOPIC = topics.QUEUE_FORECAST
RAW_TOPIC = "bench.raw.v1"
SERVICES = ("cash", "general", "corporate", "wealth", "fx")


def forecast(n: int) -> e.QueueForecast:
    now = dt.datetime.now(dt.UTC)
    return e.QueueForecast(
        branch_id=f"bench-{n % 64:03d}",
        at=now,
        per_service=[
            e.ServiceQueue(service=s, waiting=12, open_windows=3, est_wait_min=7.25, est_wait_p90_min=14.5)
            for s in SERVICES
        ],
        arrivals=[e.ArrivalForecast(interval_start=now, expected=8.5, p10=5.0, p90=12.25) for _ in range(3)],
    )


def settings(bootstrap: str, idempotence: bool = False) -> PlatformSettings:
    return PlatformSettings(
        kafka_bootstrap=bootstrap,
        kafka_idempotence=idempotence,
        kafka_fetch_max_wait_ms=20,
        kafka_session_timeout_ms=2000,
        kafka_heartbeat_ms=300,
        instance="bench",
    )  # type: ignore[arg-type]


# ---------------------------------------------------------------- raw aiokafka
async def raw_produce(platform: PlatformSettings, payloads: list[bytes]) -> float:
    producer = AIOKafkaProducer(**producer_options(platform))
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [
            await producer.send(RAW_TOPIC, p, key=f"bench-{i % 64:03d}".encode()) for i, p in enumerate(payloads)
        ]
        await asyncio.gather(*futures)
        return len(payloads) / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def raw_consume(
    platform: PlatformSettings,
    expect: int,
    group: str,
    latencies: list[float] | None = None,
    ready: asyncio.Event | None = None,
    validate: bool = False,
    topic: str = RAW_TOPIC,
) -> float:
    """Raw aiokafka; with ``validate`` it also parses each value into the typed event (the floor of any
    typed consumer), to show how much of our cost is validation."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=platform.kafka_bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=20,
        max_poll_records=1000,
        session_timeout_ms=2000,
        heartbeat_interval_ms=300,
    )
    await consumer.start()
    got, first = 0, None
    try:
        while not consumer.assignment():  # noqa: ASYNC110 - polls aiokafka state, no event to wait on
            await asyncio.sleep(0.01)
        if ready:
            ready.set()
        while got < expect:
            batch = await consumer.getmany(timeout_ms=200, max_records=1000)
            now_ms = time.time() * 1000
            for tp, records in batch.items():
                first = first or time.perf_counter()
                got += len(records)
                if validate:
                    for r in records:
                        decode(TOPIC, r.value)
                if latencies is not None:
                    latencies.extend(now_ms - r.timestamp for r in records)
                await consumer.commit({tp: records[-1].offset + 1})
        return got / (time.perf_counter() - (first or time.perf_counter()))
    finally:
        await consumer.stop()


# ---------------------------------------------------------------- our wrapper
async def wrapped_produce(platform: PlatformSettings, count: int) -> float:
    publisher = EventPublisher(platform, source="branchops/bench/bus")
    await publisher.start()
    # The application's payloads exist; we time wrap+encode+send. A pool of one per key, cycled, as the raw
    # baseline reuses one payload: 50,000 live models would make every full pass of the garbage collector
    # walk them, a cost of this loop's heap that neither the baseline nor a service (which publishes what
    # it just built, then drops it) pays. Each message still gets its own id, time and serialised data.
    pool = [forecast(i) for i in range(64)]
    try:
        started = time.perf_counter()
        futures = [await publisher.publish_nowait(TOPIC, pool[i % 64]) for i in range(count)]
        await asyncio.gather(*futures)
        return count / (time.perf_counter() - started)
    finally:
        await publisher.stop()


async def wrapped_consume(
    platform: PlatformSettings,
    redis: aioredis.Redis,
    expect: int,
    group: str,
    latencies: list[float] | None = None,
    ready: asyncio.Event | None = None,
) -> float:
    publisher = EventPublisher(platform, source="branchops/bench/dlq")
    await publisher.start()
    done = asyncio.Event()
    state: dict[str, Any] = {"got": 0, "first": None}

    async def handler(event: CloudEvent[Any]) -> None:
        state["first"] = state["first"] or time.perf_counter()
        state["got"] += 1
        if latencies is not None:
            latencies.append((dt.datetime.now(dt.UTC) - event.time).total_seconds() * 1000)
        if state["got"] >= expect:
            done.set()

    runner = ConsumerRunner(
        platform,
        ConsumerConfig(group_id=group, max_records=1000),
        redis=redis,
        publisher=publisher,
        handlers={TOPIC: handler},
    )
    task = asyncio.create_task(runner.run())
    try:
        while not runner.connected:  # noqa: ASYNC110 - polls the runner, no event to wait on
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)  # let the group assignment settle before a paced run starts
        if ready:
            ready.set()
        await asyncio.wait_for(done.wait(), 300)
        return state["got"] / (time.perf_counter() - state["first"])
    finally:
        runner.stop()
        await task
        await publisher.stop()


# ---------------------------------------------------------------- latency at a paced rate
async def paced(send_one: Any, rate: float, seconds: float) -> int:
    count = int(rate * seconds)
    started = time.perf_counter()
    for i in range(count):
        delay = started + i / rate - time.perf_counter()
        await asyncio.sleep(max(delay, 0))  # always yield, so the consumer in this loop keeps up
        await send_one(i)
    return count


async def latency_raw(
    platform: PlatformSettings, payload: bytes, rate: float, seconds: float, group: str
) -> list[float]:
    latencies: list[float] = []
    ready = asyncio.Event()
    expect = int(rate * seconds)
    consumer = asyncio.create_task(raw_consume(platform, expect, group, latencies, ready))
    await ready.wait()
    producer = AIOKafkaProducer(**producer_options(platform))
    await producer.start()

    async def send_one(i: int) -> None:
        await producer.send(RAW_TOPIC, payload, key=f"bench-{i % 64:03d}".encode())

    await paced(send_one, rate, seconds)
    await producer.stop()
    await asyncio.wait_for(consumer, 120)
    return latencies


async def latency_wrapped(
    platform: PlatformSettings, redis: aioredis.Redis, rate: float, seconds: float, group: str
) -> list[float]:
    latencies: list[float] = []
    ready = asyncio.Event()
    consumer = asyncio.create_task(wrapped_consume(platform, redis, int(rate * seconds), group, latencies, ready))
    await ready.wait()
    publisher = EventPublisher(platform, source="branchops/bench/bus")
    await publisher.start()

    async def send_one(i: int) -> None:
        await publisher.publish_nowait(TOPIC, forecast(i))

    await paced(send_one, rate, seconds)
    await publisher.stop()
    await asyncio.wait_for(consumer, 120)
    return latencies


async def fresh_broker(log_dir: Path, kind: str) -> TansuBroker | KafkaBroker:
    """Each phase gets its own broker, so no phase reads what an earlier one left behind."""
    broker = dev_broker(log_dir, kind=kind)
    await asyncio.to_thread(broker.start, partitions=4)
    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(RAW_TOPIC, 4, 1)])
    finally:
        await admin.close()
    return broker


async def one_run(run: int, args: argparse.Namespace, redis_url: str, log_dir: Path) -> dict[str, float]:
    redis = aioredis.Redis.from_url(redis_url)
    payload = encode(new_event(TOPIC, forecast(0), source="branchops/bench/bus"))
    result = {"payload_bytes": float(len(payload))}
    broker = await fresh_broker(log_dir / f"run{run}-throughput", args.broker)
    try:
        platform = settings(broker.bootstrap, broker_capabilities(broker)[0])
        phases: dict[str, Callable[[], Awaitable[float]]] = {
            "raw_produce": lambda: raw_produce(platform, [payload] * args.messages),
            "raw_consume": lambda: raw_consume(platform, args.messages, f"raw-{run}"),
            "ours_produce": lambda: wrapped_produce(platform, args.messages),
            "ours_consume": lambda: wrapped_consume(platform, redis, args.messages, f"ours-{run}"),
            "raw_validate_consume": lambda: raw_consume(
                platform, args.messages, f"rawv-{run}", validate=True, topic=TOPIC.name
            ),
        }
        for name, phase in phases.items():
            cpu = time.process_time()
            result[name] = await phase()
            # this process's CPU per message over the whole phase (client start and stop included): what a
            # loaded machine's throughput follows, as the broker runs in its own process
            result[f"{name}_cpu_us"] = (time.process_time() - cpu) / args.messages * 1e6
    finally:
        broker.stop()
    broker = await fresh_broker(log_dir / f"run{run}-latency", args.broker)
    try:
        platform = settings(broker.bootstrap, broker_capabilities(broker)[0])
        raw_lat = await latency_raw(platform, payload, args.rate, args.seconds, f"raw-lat-{run}")
        ours_lat = await latency_wrapped(platform, redis, args.rate, args.seconds, f"ours-lat-{run}")
        result.update(
            raw_p50_ms=percentile(raw_lat, 50),
            raw_p99_ms=percentile(raw_lat, 99),
            ours_p50_ms=percentile(ours_lat, 50),
            ours_p99_ms=percentile(ours_lat, 99),
        )
        return result
    finally:
        await redis.aclose()
        broker.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=2000.0, help="messages/s for the latency run")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--broker", choices=["tansu", "kafka"], default=None, help="default: BRANCHOPS_DEV_BROKER, else tansu"
    )
    args = parser.parse_args()
    args.broker = args.broker or dev_broker_kind()
    if args.broker == "kafka":  # the broker at full speed: C2 as well, a larger heap
        os.environ.setdefault("BRANCHOPS_KAFKA_JVM_OPTS", "-XX:TieredStopAtLevel=4 -Xmx1g")
    log_dir = Path(tempfile.mkdtemp(prefix="bench-bus-"))
    local = None
    redis_url = "redis://127.0.0.1:6379/14"
    if not redis_answers(redis_url):
        local = LocalRedis(log_dir=log_dir)
        local.start()
        redis_url = local.url
    try:
        runs = [asyncio.run(one_run(i, args, redis_url, log_dir)) for i in range(args.runs)]
    finally:
        if local:
            local.stop()
    keys = runs[0].keys()
    summary = {k: median([r[k] for r in runs]) for k in keys}
    summary["produce_ratio"] = median([r["ours_produce"] / r["raw_produce"] for r in runs])
    summary["consume_ratio"] = median([r["ours_consume"] / r["raw_consume"] for r in runs])
    summary["consume_vs_validating_ratio"] = median([r["ours_consume"] / r["raw_validate_consume"] for r in runs])
    info = machine()
    print(f"machine: {info['nproc']} cores, {info['cpu']}, python {info['python']}, load {info['loadavg_1m']:.2f}")
    print(f"broker: {args.broker}, idempotent producers: {'yes' if args.broker == 'kafka' else 'no'}")
    print(
        f"{args.messages} messages of {int(summary['payload_bytes'])} bytes, {args.runs} runs (medians); "
        f"latency at {args.rate:.0f} msg/s for {args.seconds:.0f} s\n"
    )
    print(f"{'':<22}{'raw aiokafka':>14}{'branchops.bus':>15}{'ratio':>8}")
    print(
        f"{'produce msg/s':<22}{summary['raw_produce']:>14,.0f}{summary['ours_produce']:>15,.0f}"
        f"{summary['produce_ratio']:>8.2f}"
    )
    print(
        f"{'consume msg/s':<22}{summary['raw_consume']:>14,.0f}{summary['ours_consume']:>15,.0f}"
        f"{summary['consume_ratio']:>8.2f}"
    )
    print(
        f"{'consume msg/s, raw + typed decode only':<40}{summary['raw_validate_consume']:>10,.0f}  "
        f"(ours/that {summary['consume_vs_validating_ratio']:.2f})"
    )
    for side in ("produce", "consume"):
        raw_cpu, ours_cpu = summary[f"raw_{side}_cpu_us"], summary[f"ours_{side}_cpu_us"]
        print(f"{side + ' CPU us/msg':<22}{raw_cpu:>14.1f}{ours_cpu:>15.1f}   (this process; the broker not counted)")
    print(f"{'latency p50 ms':<22}{summary['raw_p50_ms']:>14.1f}{summary['ours_p50_ms']:>15.1f}")
    print(f"{'latency p99 ms':<22}{summary['raw_p99_ms']:>14.1f}{summary['ours_p99_ms']:>15.1f}")
    target = summary["produce_ratio"] >= 0.5 and summary["consume_ratio"] >= 0.5
    print(f"\ntarget (wrapper keeps >= 0.5 of raw throughput): {'met' if target else 'MISSED'}")
    path = write_result(
        "bus" if args.broker == "tansu" else f"bus-{args.broker}",
        {"machine": info, "args": vars(args), "runs": runs, "summary": summary, "target_met": target},
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
