"""Records' history ingest: events/s from the broker into PostgreSQL through the real records consumer.

    .venv/bin/python bench/records_ingest.py [--events 200000] [--batch 5000] [--partitions 6] [--consumers 1]

Generates at least ``--events`` realistic events (simulated branch days: ticket lifecycles from the simulator
with staffed windows, plus ratings, footfall, KYC decisions and voice turns), publishes them to a tansu broker
started here, then measures, in this one process and on one fresh PostgreSQL database:

1. **COPY ceiling**: the same raw rows ``COPY``'d into the same raw tables (binary COPY, no conflict check,
   no rollups, no broker): what PostgreSQL takes at best. Then the raw tables are emptied.
2. **Records ingest**: the records consumer (adapters/batch_consumer.py -> handlers.py -> usecases/ingest.py,
   built by ``services.records.bootstrap.build_history`` as the service builds it) reads every topic from the
   broker and stores raw rows, state and rollups, one transaction per fetched batch, committing offsets after
   each; sustained rate = events / (last offset commit - first record consumed).

Afterwards it checks that nothing was lost or doubled (raw rows = distinct events; arrivals = issued tickets).
It also reports the CPU each party used per event during the ingest (this process, the PostgreSQL server and
its backends, the broker): on a 2-core machine their sum bounds the rate. The generated events stay in this
process's memory; they are frozen out of the garbage collector before the ingest (the service would not
carry them). PostgreSQL is the one ``branchops.devstack`` finds or starts (the embedded server runs with fsync
off). Prints a table and writes bench/results/records_ingest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiokafka import AIOKafkaProducer  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.common import machine, write_result  # noqa: E402
from branchops.bus import EventPublisher  # noqa: E402
from branchops.bus.producer import producer_options  # noqa: E402
from branchops.contracts import encode, new_event, topics  # noqa: E402
from branchops.contracts import events as ev  # noqa: E402
from branchops.contracts.base import EventData  # noqa: E402
from branchops.contracts.enums import DocType, KycDecision, Language, ServiceName, TicketStatus  # noqa: E402
from branchops.devstack import TansuBroker, find_or_start_postgres  # noqa: E402
from branchops.devstack.postgres import create_database, drop_database  # noqa: E402
from branchops.settings import PlatformSettings  # noqa: E402
from services.records.adapters.database import create_engine  # noqa: E402
from services.records.adapters.migrate import migrate  # noqa: E402
from services.records.bootstrap import build_history  # noqa: E402
from services.records.domain.history import COMMON_COLUMNS, RAW_TABLE_NAMES, RAW_TABLES  # noqa: E402
from services.records.settings import RecordsSettings  # noqa: E402
from simulation.branch_day import DaySpec, ServiceSpec, WindowPlan, simulate_day  # noqa: E402

TARGET_PER_S = 20_000
SOURCE = "branchops/bench/records"


# ---------------------------------------------------------------- events
def day_spec(branch: str, day: dt.date) -> DaySpec:
    """A busy branch day: 08:00 local opening (00:00 UTC at +08:00), 8 hours, three services, four windows."""
    opening = dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC)
    morning, noon, afternoon = [14.0] * 8, [20.0] * 8, [12.0] * 16
    services = {
        ServiceName.CASH: ServiceSpec(tuple(morning + noon + afternoon), aht_min=4.0, patience_min=25.0),
        ServiceName.GENERAL: ServiceSpec(
            tuple(x * 0.8 for x in morning + noon + afternoon), aht_min=6.0, cv=0.8, patience_min=30.0
        ),
        ServiceName.WEALTH: ServiceSpec(tuple([3.0] * 32), aht_min=12.0),
    }
    windows = tuple(
        WindowPlan(f"w{i}", skills, ((0.0, 480.0),))
        for i, skills in enumerate(
            (
                (ServiceName.CASH,),
                (ServiceName.CASH, ServiceName.GENERAL),
                (ServiceName.GENERAL,),
                (ServiceName.GENERAL, ServiceName.WEALTH),
                (ServiceName.CASH,),
                (ServiceName.GENERAL,),
            ),
            start=1,
        )
    )
    return DaySpec(branch, day, opening, services, windows)


def extras(branch: str, day_events: list[tuple[str, EventData]], rng: random.Random) -> list[tuple[str, EventData]]:
    """Ratings for a fifth of the served tickets, one footfall window a minute per camera, KYC and voice."""
    out: list[tuple[str, EventData]] = []
    first_at = day_events[0][1].at
    for _, data in day_events:
        if isinstance(data, ev.Ticket) and data.status is TicketStatus.COMPLETED and rng.random() < 0.2:
            out.append(
                (
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    ev.Feedback(
                        branch_id=branch,
                        at=data.at + dt.timedelta(seconds=20),
                        ticket_id=data.ticket_id,
                        window_id=data.window_id,
                        staff_id=f"s-{data.window_id}",
                        service=data.service,
                        rating=rng.choice((3, 4, 5, 5, 5)),
                        tags=["fast"] if rng.random() < 0.5 else [],
                    ),
                )
            )
    for minute in range(0, 480, 2):
        start = first_at + dt.timedelta(minutes=minute)
        out.append(
            (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                ev.Footfall(
                    branch_id=branch,
                    at=start + dt.timedelta(minutes=2),
                    camera_id="cam-1",
                    window_start=start,
                    window_end=start + dt.timedelta(minutes=2),
                    entered=rng.randint(0, 6),
                    exited=rng.randint(0, 6),
                    occupancy={"waiting": rng.randint(0, 30)},
                    dwell_p50_s={"waiting": round(rng.uniform(30, 900), 1)},
                ),
            )
        )
    for n in range(60):
        at = first_at + dt.timedelta(minutes=rng.uniform(0, 480))
        out.append(
            (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                ev.KycResult(
                    branch_id=branch,
                    at=at,
                    session_id=f"kyc-{branch}-{n}",
                    kiosk_id="kiosk-1",
                    doc_type=DocType.ID_CARD,
                    decision=rng.choice(list(KycDecision)),
                    checks={"ocr": True, "face": round(rng.random(), 3)},
                    id_number_masked="3201**********1234",
                ),
            )
        )
        for turn, outcome in enumerate(
            rng.choice((("greeted", "answered"), ("greeted", "ticket"), ("greeted", "slot_prompt", "handoff")))
        ):
            out.append(
                (
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    ev.VoiceInteraction(
                        branch_id=branch,
                        at=at + dt.timedelta(seconds=20 * turn),
                        session_id=f"vs-{branch}-{n}",
                        kiosk_id="kiosk-1",
                        turn=turn,
                        lang=Language.ZH,
                        intent="open_account",
                        confidence=0.9,
                        slots={"phone": "138****5678"},
                        outcome=outcome,
                        asr_ms=120.0,
                        nlu_ms=3.0,
                    ),
                )
            )
    return out


def staffed(data: EventData) -> EventData:
    if isinstance(data, ev.Window):
        return data.model_copy(update={"staff_id": f"s-{data.window_id}"})
    return data


def generate(count: int, seed: int) -> list[tuple[str, bytes, bytes]]:
    """(topic, key, value) of at least ``count`` events, in time order per branch."""
    rng = random.Random(seed)
    today = dt.datetime.now(dt.UTC).date()
    out: list[tuple[str, bytes, bytes]] = []
    n = 0
    while len(out) < count:
        branch, day = f"bench-{n % 40:03d}", today - dt.timedelta(days=1 + n // 40)
        events, _ = simulate_day(day_spec(branch, day), seed=seed * 10_000 + n)
        events = [(event_id, staffed(data)) for event_id, data in events]
        mixed = sorted(events + extras(branch, events, rng), key=lambda item: item[1].at)
        for event_id, data in mixed:
            topic = topics.topic_of(type(data))
            value = encode(new_event(topic, data, source=SOURCE, event_id=event_id))
            out.append((topic.name, branch.encode(), value))
        n += 1
    return out


# ---------------------------------------------------------------- phases
async def publish(bootstrap: str, platform: PlatformSettings, events: list[tuple[str, bytes, bytes]]) -> float:
    producer = AIOKafkaProducer(**{**producer_options(platform), "bootstrap_servers": bootstrap})
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [await producer.send(topic, value, key=key) for topic, key, value in events]
        await asyncio.gather(*futures)
        return len(events) / (time.perf_counter() - started)
    finally:
        await producer.stop()


def raw_rows(events: list[tuple[str, bytes, bytes]]) -> dict[str, list[tuple[Any, ...]]]:
    from branchops.contracts import decode

    rows: dict[str, list[tuple[Any, ...]]] = {}
    for topic, _, value in events:
        event = decode(topic, value)
        raw = RAW_TABLES[topic]
        rows.setdefault(raw.name, []).append(
            (event.id, event.data.at, event.data.branch_id, value.decode(), *raw.values(event.data))
        )
    return rows


async def copy_ceiling(engine: Any, rows: dict[str, list[tuple[Any, ...]]]) -> float:
    """Binary COPY of the raw rows into the raw tables, timed; the tables are emptied afterwards."""
    async with engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        await raw.set_type_codec(
            "jsonb", encoder=lambda v: b"\x01" + v.encode(), decoder=bytes.decode, schema="pg_catalog", format="binary"
        )
        started = time.perf_counter()
        for table, table_rows in rows.items():
            columns = (*COMMON_COLUMNS, *RAW_TABLES[next(t for t in RAW_TABLES if RAW_TABLES[t].name == table)].columns)
            await raw.copy_records_to_table(table, records=table_rows, columns=list(columns))
        seconds = time.perf_counter() - started
        await raw.reset_type_codec("jsonb", schema="pg_catalog")
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {', '.join(RAW_TABLE_NAMES)}"))
    return sum(len(r) for r in rows.values()) / seconds


def _processes() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[int, tuple[int, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return found


def cpu_of(roots: dict[str, int | None]) -> dict[str, dict[int, float]]:
    """For each named server process: CPU seconds of it and every descendant (PostgreSQL's backends), by pid."""
    processes = _processes()
    out: dict[str, dict[int, float]] = {}
    for name, root in roots.items():
        tree = {root} if root in processes else set()
        grew = True
        while grew:
            more = {pid for pid, (parent, _) in processes.items() if parent in tree and pid not in tree}
            tree |= more
            grew = bool(more)
        out[name] = {pid: processes[pid][1] for pid in tree}
    return out


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds between two :func:`cpu_of` (a backend that ended meanwhile is not counted)."""
    return {name: sum(s - before[name].get(pid, 0.0) for pid, s in after[name].items()) for name in after}


async def ingest(
    settings: RecordsSettings, platform: PlatformSettings, engine: Any, expect: int, servers: dict[str, int | None]
) -> dict[str, Any]:
    publisher = EventPublisher(platform, source="branchops/records/bench")
    await publisher.start()
    history = build_history(settings, platform, engine, publisher)
    await history.maintenance.run_once()
    consumer = history.consumer
    cpu, others = time.process_time(), cpu_of(servers)
    task = asyncio.create_task(consumer.run())
    try:
        deadline = time.monotonic() + 600
        while consumer.stats.committed < expect and time.monotonic() < deadline:  # noqa: ASYNC110 - polls stats
            await asyncio.sleep(0.05)
    finally:
        consumer.stop()
        await task
        await publisher.stop()
    own_cpu, after = time.process_time() - cpu, cpu_used(others, cpu_of(servers))
    stats = consumer.stats
    assert stats.first_consumed is not None and stats.last_committed is not None
    seconds = stats.last_committed - stats.first_consumed
    return {
        "events": stats.committed,
        "seconds": round(seconds, 2),
        "events_per_s": round(stats.committed / seconds),
        "batches": stats.batches,
        "dead_lettered": stats.dead_lettered,
        "handling_s": round(stats.handling_s, 2),
        "decoding_s": round(stats.decoding_s, 2),
        "cpu_s": {"records_process": round(own_cpu, 2), **{k: round(v, 2) for k, v in after.items()}},
        "cpu_us_per_event": {
            "records_process": round(own_cpu / stats.committed * 1e6, 1),
            **{k: round(v / stats.committed * 1e6, 1) for k, v in after.items()},
        },
    }


def bench_platform(bootstrap: str) -> PlatformSettings:
    return PlatformSettings(
        kafka_bootstrap=bootstrap,
        kafka_idempotence=False,
        kafka_fetch_max_wait_ms=20,
        kafka_session_timeout_ms=6000,
        kafka_heartbeat_ms=500,
        instance="bench",
    )  # type: ignore[arg-type]


async def _consume(
    url: str, bootstrap: str, group: str, batch: int, slot: int, progress: Any, stop: Any
) -> dict[str, Any]:
    """One records consumer process of ``--consumers N``: it reports its committed count in ``progress[slot]``."""
    platform = bench_platform(bootstrap)
    settings = RecordsSettings(database_url=url, history_batch_max=batch, consumer_group=group)  # type: ignore[arg-type]
    engine = create_engine(settings)
    publisher = EventPublisher(platform, source="branchops/records/bench")
    await publisher.start()
    consumer = build_history(settings, platform, engine, publisher).consumer
    cpu = time.process_time()
    task = asyncio.create_task(consumer.run())
    try:
        while not stop.is_set():
            progress[slot] = consumer.stats.committed
            await asyncio.sleep(0.02)
    finally:
        consumer.stop()
        await task
        await publisher.stop()
        await engine.dispose()
    stats = consumer.stats
    return {
        "first": stats.first_consumed,
        "last": stats.last_committed,
        "committed": stats.committed,
        "batches": stats.batches,
        "dead_lettered": stats.dead_lettered,
        "cpu_s": time.process_time() - cpu,
    }


def _consumer_process(
    url: str, bootstrap: str, group: str, batch: int, slot: int, progress: Any, stop: Any, results: Any
) -> None:
    results.put(asyncio.run(_consume(url, bootstrap, group, batch, slot, progress, stop)))


async def ingest_processes(
    settings: RecordsSettings, bootstrap: str, expect: int, servers: dict[str, int | None], count: int
) -> dict[str, Any]:
    """The same consumer in ``count`` processes of one group (as records' replicas split the partitions)."""
    context = multiprocessing.get_context("spawn")
    progress, stop, results = context.Array("q", count), context.Event(), context.Queue()
    url = settings.database_url.get_secret_value()
    children = [
        context.Process(
            target=_consumer_process,
            args=(url, bootstrap, settings.group_id, settings.history_batch_max, i, progress, stop, results),
        )
        for i in range(count)
    ]
    others = cpu_of(servers)
    for child in children:
        child.start()
    deadline = time.monotonic() + 600
    while sum(progress[:]) < expect and time.monotonic() < deadline:  # noqa: ASYNC110 - polls the children
        await asyncio.sleep(0.05)
    after = cpu_used(others, cpu_of(servers))
    stop.set()
    done = [await asyncio.to_thread(results.get, True, 60) for _ in children]
    for child in children:
        child.join(30)
    committed = sum(d["committed"] for d in done)
    seconds = max(d["last"] for d in done if d["last"]) - min(d["first"] for d in done if d["first"])
    cpu = sum(d["cpu_s"] for d in done)
    return {
        "events": committed,
        "seconds": round(seconds, 2),
        "events_per_s": round(committed / seconds),
        "batches": sum(d["batches"] for d in done),
        "dead_lettered": sum(d["dead_lettered"] for d in done),
        "consumers": count,
        "cpu_s": {"records_processes": round(cpu, 2), **{k: round(v, 2) for k, v in after.items()}},
        "cpu_us_per_event": {
            "records_processes": round(cpu / committed * 1e6, 1),
            **{k: round(v / committed * 1e6, 1) for k, v in after.items()},
        },
    }


async def check(engine: Any, events: list[tuple[str, bytes, bytes]]) -> dict[str, Any]:
    issued = sum(1 for topic, _, value in events if topic == topics.TICKETS.name and b'"status":"issued"' in value)
    async with engine.connect() as connection:
        stored = 0
        for table in RAW_TABLE_NAMES:
            stored += int(await connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
        arrivals = int(await connection.scalar(text("SELECT sum(arrivals) FROM rollup_service_interval")) or 0)
    return {
        "raw_rows": stored,
        "distinct_events": len({v for _, _, v in events}),
        "arrivals": arrivals,
        "issued_tickets": issued,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    log_dir = Path(tempfile.mkdtemp(prefix="branchops-bench-records-"))
    started = time.perf_counter()
    events = generate(args.events, args.seed)
    generated_s = time.perf_counter() - started
    by_topic: dict[str, int] = {}
    for topic, _, _ in events:
        by_topic[topic] = by_topic.get(topic, 0) + 1
    print(
        f"generated {len(events)} events in {generated_s:.1f} s: "
        + ", ".join(f"{t.removeprefix('branchops.')} {n}" for t, n in sorted(by_topic.items(), key=lambda i: -i[1]))
    )

    broker = TansuBroker(log_dir=log_dir / "broker")
    broker.start(partitions=args.partitions)
    pg_url, server = find_or_start_postgres(log_dir=log_dir / "postgres")
    database = f"bench_records_{uuid.uuid4().hex[:8]}"
    url = create_database(pg_url, database)
    platform = bench_platform(broker.bootstrap)
    settings = RecordsSettings(
        database_url=url, history_batch_max=args.batch, consumer_group=f"bench-records-{uuid.uuid4().hex[:6]}"
    )  # type: ignore[arg-type]
    engine = create_engine(settings)
    try:
        await migrate(engine)
        publish_rate = await publish(broker.bootstrap, platform, events)
        print(f"published at {publish_rate:,.0f} events/s")
        history = build_history(settings, platform, engine, EventPublisher(platform, source=SOURCE))
        await history.maintenance.run_once()
        rows = raw_rows(events)
        await history.partitions.ensure(
            {(table, row[1].astimezone(dt.UTC).date()) for table, table_rows in rows.items() for row in table_rows}
        )
        ceiling = await copy_ceiling(engine, rows)
        print(f"COPY ceiling {ceiling:,.0f} rows/s")
        del rows
        gc.collect()
        gc.freeze()  # the generated events stay in memory here; the service would not be scanning them
        servers = {
            "tansu": broker.process.pid if broker.process else None,
            "postgres": server.process.pid if server is not None and server.process else None,
        }
        if args.consumers == 1:
            measured = await ingest(settings, platform, engine, len(events), servers)
        else:
            measured = await ingest_processes(settings, broker.bootstrap, len(events), servers, args.consumers)
        checked = await check(engine, events)
    finally:
        await engine.dispose()
        drop_database(pg_url, database)
        if server is not None:
            server.stop()
        broker.stop()
    return {
        "generated": len(events),
        "by_topic": by_topic,
        "publish_events_per_s": round(publish_rate),
        "copy_ceiling_rows_per_s": round(ceiling),
        "ingest": measured,
        "check": checked,
        "postgres": "embedded (fsync off)" if server is not None else "found on the machine",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5000, help="most records per consumer fetch and transaction")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--consumers",
        type=int,
        default=1,
        help="records consumer processes in one group (replicas); 1: in this process",
    )
    args = parser.parse_args()
    result = asyncio.run(run(args))
    measured, checked = result["ingest"], result["check"]
    ok = (
        checked["raw_rows"] == checked["distinct_events"]
        and checked["arrivals"] == checked["issued_tickets"]
        and measured["dead_lettered"] == 0
    )
    rows = [
        ("events generated", f"{result['generated']:,}"),
        ("published to tansu", f"{result['publish_events_per_s']:,} /s"),
        ("COPY ceiling (raw rows only)", f"{result['copy_ceiling_rows_per_s']:,} /s"),
        (
            "records ingest, sustained",
            f"{measured['events_per_s']:,} /s ({measured['seconds']} s, {measured['batches']} batches)",
        ),
        ("share of the ceiling", f"{measured['events_per_s'] / result['copy_ceiling_rows_per_s']:.0%}"),
        ("CPU per event (us)", ", ".join(f"{k} {v}" for k, v in measured["cpu_us_per_event"].items())),
        (f"target {TARGET_PER_S:,} /s", "met" if measured["events_per_s"] >= TARGET_PER_S else "NOT met"),
        ("nothing lost or doubled", "yes" if ok else f"NO: {json.dumps(checked)}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    name = "records_ingest" if args.consumers == 1 else f"records_ingest_{args.consumers}_consumers"
    path = write_result(
        name,
        {
            "machine": machine(),
            "args": vars(args),
            "target_per_s": TARGET_PER_S,
            "target_met": measured["events_per_s"] >= TARGET_PER_S,
            "consistent": ok,
            **result,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
