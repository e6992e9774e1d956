"""Records keeps every event: real broker -> records' consumer -> real PostgreSQL (raw rows, state, rollups).
Duplicates count once, a malformed or unstorable event goes to the DLQ while the rest is kept, and the daily job
trims every table to its retention."""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from branchops.contracts import events as ev
from branchops.contracts import topics
from branchops.contracts.enums import WindowState
from branchops.devstack import TansuBroker
from branchops.settings import Role
from services.records.adapters.database import create_engine
from services.records.adapters.migrate import migrate
from services.records.adapters.partitions import Partitions
from services.records.bootstrap import build_history
from services.records.domain import waits
from services.records.domain.history import RAW_TABLE_NAMES
from services.records.domain.retention import partition_name
from services.records.handlers import HistoryHandler
from services.records.settings import RecordsSettings
from tests.conftest import api_key, make_platform
from tests.integration.kafka_helpers import read_topic, wait_for
from tests.integration.records_support import (
    branch_morning,
    document,
    encoded,
    produce,
    raw_count,
    records_settings,
    running_records,
    scalar,
)

MANAGER = {"X-API-Key": api_key(Role.MANAGER)}


def _branch() -> str:
    return f"rh-{uuid.uuid4().hex[:10]}"


def _start() -> dt.datetime:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).replace(second=0, microsecond=0)


@pytest.fixture
async def history(
    broker: TansuBroker, redis_url: str, database_url: str
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, TansuBroker]]:
    settings = records_settings(database_url, redis_url, history_enabled=True, retry_backoff_ms=20)
    async with running_records(settings, make_platform(broker.bootstrap)) as (app, client):
        await wait_for(lambda: app.state.history.consumer.connected, timeout_s=30, what="history consumer joined")
        yield app, client, broker


async def _stored(engine: AsyncEngine, branch: str, count: int, timeout_s: float = 60) -> None:
    async def done() -> bool:
        return await raw_count(engine, branch) >= count

    await wait_for(done, timeout_s=timeout_s, what=f"{count} events of {branch} stored")


async def _sums(engine: AsyncEngine, table: str, columns: list[str], branch: str, **where: Any) -> dict[str, Any]:
    clauses = "".join(f" AND {k} = :{k}" for k in where)
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    f"SELECT {', '.join(f'sum({c}) AS {c}' for c in columns)} FROM {table}"
                    f" WHERE branch_id = :b{clauses}"
                ),
                {"b": branch, **where},
            )
        ).one()
    return {c: (row._mapping[c] or 0) for c in columns}


async def test_every_topic_is_kept_and_rolled_up(history: Any) -> None:
    app, client, broker = history
    engine = app.state.engine
    branch = _branch()
    configured = await client.put(f"/v1/branches/{branch}/config", json=document(), headers=MANAGER)
    assert configured.status_code == 201  # Asia/Shanghai, cash target 10 minutes; its event is kept too
    events, expected = branch_morning(branch, _start())
    records = encoded(events)
    # the window events come last (a backlog of several topics caught up): work is credited by time, so the
    # tickets folded before them are credited when they come (ADR 0006)
    opened = [r for r in records if r[0] == topics.WINDOWS.name]
    await produce(broker.bootstrap, [r for r in records if r[0] != topics.WINDOWS.name])
    await _stored(engine, branch, len(records) - len(opened) + 1)
    await produce(broker.bootstrap, opened)
    await _stored(engine, branch, len(records) + 1)

    for table, topic in (
        ("events_tickets", topics.TICKETS),
        ("events_kyc_results", topics.KYC_RESULTS),
        ("events_branch_config", topics.BRANCH_CONFIG),
    ):
        sent = sum(1 for t, _, _ in records if t == topic.name) or 1
        assert await scalar(engine, f"SELECT count(*) FROM {table} WHERE branch_id = :b", b=branch) == sent, table
    _, _, value = next(r for r in records if r[0] == topics.TICKETS.name)
    event_id = json.loads(value)["id"]
    kept = await scalar(engine, "SELECT envelope FROM events_tickets WHERE event_id = :id", id=event_id)
    assert kept == json.loads(value), "the envelope is kept as received"

    tickets = await _sums(
        engine,
        "rollup_service_interval",
        [
            "arrivals",
            "called",
            "served",
            "no_show",
            "abandoned",
            "waits",
            "within_target",
            "handled",
            "handling_s_sum",
            "wait_s_sum",
        ],
        branch,
    )
    assert tickets["arrivals"] == expected.tickets and tickets["served"] == expected.served
    assert tickets["no_show"] == expected.no_show and tickets["abandoned"] == expected.abandoned
    assert tickets["called"] == tickets["waits"] == len(expected.waits_min)
    assert tickets["within_target"] == expected.within_target
    assert tickets["handled"] == expected.served and tickets["handling_s_sum"] == pytest.approx(expected.handled_s)
    assert tickets["wait_s_sum"] == pytest.approx(sum(expected.waits_min) * 60)
    targets = await scalar(
        engine, "SELECT array_agg(DISTINCT target_wait_min) FROM rollup_service_interval WHERE branch_id = :b", b=branch
    )
    assert targets == [10]
    async with engine.connect() as connection:
        buckets = dict(
            (
                await connection.execute(
                    text("SELECT bucket, sum(tickets) FROM rollup_wait_buckets WHERE branch_id = :b GROUP BY bucket"),
                    {"b": branch},
                )
            ).all()
        )
    assert sum(buckets.values()) == len(expected.waits_min)
    exact = statistics.quantiles(expected.waits_min, n=10, method="inclusive")
    p50, p90 = waits.percentile(buckets, 50), waits.percentile(buckets, 90)
    assert p50 is not None and abs(p50 - statistics.median(expected.waits_min)) <= 1.0
    assert p90 is not None and abs(p90 - exact[8]) <= 1.0

    staff = await _sums(engine, "rollup_staff_day", ["served", "no_show", "ratings", "rating_sum"], branch)
    windows = await _sums(engine, "rollup_window_day", ["served", "no_show", "handled"], branch)
    assert staff["served"] == windows["served"] == windows["handled"] == expected.served
    assert staff["no_show"] == windows["no_show"] == expected.no_show
    assert staff["ratings"] == expected.ratings and staff["rating_sum"] == expected.rating_sum
    s01 = await _sums(engine, "rollup_staff_day", ["served"], branch, staff_id="s01")
    w1 = await _sums(engine, "rollup_window_day", ["served"], branch, window_id="w1")
    assert s01["served"] == w1["served"] > 0, "who staffed the window is who served there"

    footfall = await _sums(engine, "rollup_footfall_interval", ["entered", "exited"], branch)
    assert footfall == {"entered": expected.entered, "exited": expected.exited}
    for decision, count in expected.kyc.items():
        assert (await _sums(engine, "rollup_kyc_day", ["decisions"], branch, decision=decision))["decisions"] == count
    voice = await _sums(engine, "rollup_voice_day", ["sessions", "completed_without_staff", "handed_off"], branch)
    assert voice == {"sessions": 3, "completed_without_staff": 1, "handed_off": 1}
    alerts = await _sums(engine, "rollup_alert_day", ["raised", "escalated"], branch)
    assert alerts == {"raised": 1, "escalated": 1}
    assert await _occupancy(engine, branch) == (2, expected.occupancy_person_s, 5400.0, 4)


async def _occupancy(engine: AsyncEngine, branch: str) -> tuple[int, list[float], float, int]:
    """(hours kept, the cells summed over them, seconds, the largest peak) of the branch's hall camera."""
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                text("SELECT person_s, seconds, peak FROM rollup_occupancy_hour WHERE branch_id = :b"), {"b": branch}
            )
        ).all()
    cells = [sum(column) for column in zip(*(r.person_s for r in rows), strict=True)]
    return len(rows), cells, sum(r.seconds for r in rows), max((r.peak for r in rows), default=0)


async def _staff_day(engine: AsyncEngine, branch: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT day, staff_id, served, no_show, handled, round(handling_s_sum::numeric, 3), ratings, rating_sum"
                " FROM rollup_staff_day WHERE branch_id = :b AND (served, no_show, handled, ratings) <> (0, 0, 0, 0)"
                " ORDER BY day, staff_id"
            ),
            {"b": branch},
        )
        return [tuple(r) for r in rows]


async def test_staff_are_credited_by_time_whatever_order_the_topics_come_in(redis_url: str, database_url: str) -> None:
    """The same morning through the ingest path in the natural order, with every window event last, and in
    random interleavings of the topics (each topic in order, in batches of random size): rollup_staff_day is
    the same, every served ticket credited (the teller changes at w2 during the morning)."""
    settings = records_settings(database_url, redis_url, history_enabled=True)
    engine = create_engine(settings)
    rng = random.Random(16)
    try:
        await migrate(engine)
        history = build_history(settings, make_platform("127.0.0.1:9"), engine, None, lambda: dt.datetime.now(dt.UTC))  # type: ignore[arg-type]

        async def feed(batches: list[list[tuple[Any, Any]]]) -> None:
            for batch in batches:
                items = [HistoryHandler.decode(topics.topic_by_name(n), v) for n, _, v in encoded(batch)]
                await history.ingest(items)

        start = _start()
        found = []
        for order in ("natural", "windows last", "random", "random", "random"):
            branch = _branch()
            events, expected = branch_morning(branch, start, tickets=30)
            events.append(
                (
                    topics.WINDOWS,
                    ev.Window(
                        branch_id=branch,
                        at=start + dt.timedelta(minutes=31),
                        window_id="w2",
                        state=WindowState.OPEN,
                        staff_id="s09",
                    ),
                )
            )
            events.sort(key=lambda item: item[1].at)
            if order == "natural":
                await feed([events])
            elif order == "windows last":
                await feed(
                    [[e for e in events if e[0] is not topics.WINDOWS], [e for e in events if e[0] is topics.WINDOWS]]
                )
            else:
                queues: dict[str, list[tuple[Any, Any]]] = {}
                for item in events:
                    queues.setdefault(item[0].name, []).append(item)
                batches = []
                while queues:
                    name = rng.choice(sorted(queues))
                    size = rng.randint(1, 15)
                    batches.append(queues[name][:size])
                    queues[name] = queues[name][size:]
                    if not queues[name]:
                        del queues[name]
                await feed(batches)
            rows = await _staff_day(engine, branch)
            assert sum(r[2] for r in rows) == expected.served and sum(r[6] for r in rows) == expected.ratings, order
            found.append(rows)
        assert {r[1] for r in found[0]} == {"s01", "s02", "s09"}
        for order, rows in zip(("windows last", "random", "random", "random"), found[1:], strict=True):
            assert rows == found[0], order
    finally:
        await engine.dispose()


async def test_duplicates_are_ignored_however_they_come(
    history: Any, broker: TansuBroker, redis_url: str, database_url: str
) -> None:
    app, _, _ = history
    engine = app.state.engine
    branch = _branch()
    events, expected = branch_morning(branch, _start(), tickets=12)
    records = encoded(events)
    doubled = [r for record in records for r in (record, record)]  # each event twice, side by side
    await produce(broker.bootstrap, doubled)
    await _stored(engine, branch, len(records))
    await produce(broker.bootstrap, records)  # and all of them again later

    async def consumed_all() -> bool:
        return app.state.history.consumer.stats.committed >= 3 * len(records)

    await wait_for(consumed_all, timeout_s=60, what="the repeats consumed")
    assert await raw_count(engine, branch) == len(records)
    counted = await _sums(engine, "rollup_service_interval", ["arrivals", "served"], branch)
    assert counted == {"arrivals": expected.tickets, "served": expected.served}
    grids = (2, expected.occupancy_person_s, 5400.0, 4)
    assert await _occupancy(engine, branch) == grids, "each hour's grid added once, not two or three times"

    # a redelivery of everything (a consumer group that starts over, as after lost offsets)
    replay = records_settings(database_url, redis_url, history_enabled=True, consumer_group=f"replay-{branch}")
    async with running_records(replay, make_platform(broker.bootstrap)) as (other, _):

        async def replayed() -> bool:
            return other.state.history.consumer.stats.committed >= 3 * len(records)

        await wait_for(replayed, timeout_s=60, what="everything read again by another group")
    assert await raw_count(engine, branch) == len(records)
    assert await _sums(engine, "rollup_service_interval", ["arrivals", "served"], branch) == counted
    assert await _sums(engine, "rollup_voice_day", ["sessions", "turns"], branch) == {"sessions": 3, "turns": 6}
    assert await _occupancy(engine, branch) == grids


async def test_a_malformed_or_unstorable_event_goes_to_the_dlq_and_the_rest_is_kept(history: Any) -> None:
    app, _, broker = history
    engine = app.state.engine
    branch = _branch()
    events, _ = branch_morning(branch, _start(), tickets=6)
    records = encoded(events)
    start = _start()
    too_many = ev.Footfall(
        branch_id=branch, at=start, camera_id="cam-9", window_start=start, window_end=start, entered=10**12, exited=0
    )  # valid JSON and contract, but no INTEGER holds it
    bad = [
        (topics.TICKETS.name, branch.encode(), b"{not json"),
        (topics.TICKETS.name, branch.encode(), json.dumps({"specversion": "1.0", "id": "x", "data": {}}).encode()),
        *encoded([(topics.FOOTFALL, too_many)]),
    ]
    middle = len(records) // 2
    await produce(broker.bootstrap, records[:middle] + bad + records[middle:])
    await _stored(engine, branch, len(records))

    tickets_dlq = await read_topic(broker.bootstrap, topics.TICKETS.dlq, expect=2, timeout_s=20)
    assert sorted(r.value for r in tickets_dlq) == sorted(value for _, _, value in bad[:2])
    headers = dict(tickets_dlq[0].headers)
    assert headers["x-error-class"] == b"EventDecodeError" and headers["x-consumer-group"] == b"branchops-records"
    footfall_dlq = await read_topic(broker.bootstrap, topics.FOOTFALL.dlq, expect=1, timeout_s=30)
    assert [r.value for r in footfall_dlq] == [bad[2][2]]
    assert dict(footfall_dlq[0].headers)["x-original-topic"] == topics.FOOTFALL.name.encode()
    assert await raw_count(engine, branch) == len(records), "everything else was kept, the bad ones not"
    assert app.state.history.consumer.stats.dead_lettered == 3


async def test_the_daily_job_drops_old_partitions_and_rows(redis_url: str, database_url: str) -> None:
    settings = RecordsSettings(
        database_url=database_url,
        redis_url=redis_url,
        retention_days={"events_tickets": 3, "rollup_kyc_day": 5, "ticket_journeys": 2, "rollup_occupancy_hour": 5},
    )
    engine = create_engine(settings)
    try:
        await migrate(engine)
        now = dt.datetime.now(dt.UTC)
        today = now.date()
        partitions = Partitions(engine, RAW_TABLE_NAMES)
        old_days = [today - dt.timedelta(days=d) for d in range(2, 9)]
        await partitions.ensure(("events_tickets", day) for day in old_days)
        branch = _branch()
        async with engine.begin() as connection:
            for age in (1, 4, 6, 7):
                day = today - dt.timedelta(days=age)
                await connection.execute(
                    text(
                        "INSERT INTO rollup_kyc_day (branch_id, day, decision, decisions) "
                        "VALUES (:b, :d, 'approved', 1)"
                    ),
                    {"b": branch, "d": day},
                )
                await connection.execute(
                    text(
                        "INSERT INTO ticket_journeys (branch_id, ticket_id, service, channel, status, last_at, "
                        "wait_counted, ended) VALUES (:b, :t, 'cash', 'kiosk', 'completed', :at, true, true)"
                    ),
                    {"b": branch, "t": f"t{age}", "at": now - dt.timedelta(days=age)},
                )
                await connection.execute(
                    text(
                        "INSERT INTO rollup_occupancy_hour (branch_id, camera_id, hour_start, day, hour, cols, rows,"
                        " person_s, seconds, peak) VALUES (:b, 'cam-1', :at, :d, 9, 1, 1, :grid, 3600, 1)"
                    ),
                    {"b": branch, "at": now - dt.timedelta(days=age), "d": day, "grid": [60.0]},
                )
        history = build_history(settings, make_platform("127.0.0.1:9"), engine, None, lambda: now)  # type: ignore[arg-type]
        report = await history.maintenance.run_once()

        left = set((await partitions.existing())["events_tickets"])
        for day in old_days:
            name = partition_name("events_tickets", day)
            assert (name in left) == (day >= today - dt.timedelta(days=3)), name
            assert (name in report.dropped) == (day < today - dt.timedelta(days=3)), name
        for ahead in range(0, settings.partitions_ahead_days + 1):
            assert partition_name("events_tickets", today + dt.timedelta(days=ahead)) in left, "made ahead"
        kept_days = await scalar(
            engine, "SELECT array_agg(day ORDER BY day) FROM rollup_kyc_day WHERE branch_id = :b", b=branch
        )
        assert kept_days == [today - dt.timedelta(days=4), today - dt.timedelta(days=1)]
        grid_days = await scalar(
            engine, "SELECT array_agg(day ORDER BY day) FROM rollup_occupancy_hour WHERE branch_id = :b", b=branch
        )
        assert grid_days == kept_days, "the occupancy grids keep their days like the other rollups"
        kept_tickets = await scalar(
            engine, "SELECT array_agg(ticket_id ORDER BY ticket_id) FROM ticket_journeys WHERE branch_id = :b", b=branch
        )
        assert kept_tickets == ["t1"]
        assert report.deleted["rollup_kyc_day"] >= 2 and report.deleted["ticket_journeys"] >= 3
        again = await history.maintenance.run_once()
        assert not again.dropped and not again.made, "a second run the same day has nothing to do"
    finally:
        await engine.dispose()


async def test_an_event_older_than_its_retention_is_not_kept(redis_url: str, database_url: str) -> None:
    settings = RecordsSettings(database_url=database_url, redis_url=redis_url, retention_days={"events_tickets": 2})
    engine = create_engine(settings)
    try:
        await migrate(engine)
        branch = _branch()
        now = dt.datetime.now(dt.UTC)
        events, _ = branch_morning(branch, now - dt.timedelta(days=5), tickets=2)
        recent, _ = branch_morning(branch, now - dt.timedelta(hours=2), tickets=2, seed=4)
        recent = [
            (t, d.model_copy(update={"ticket_id": d.ticket_id + "-r"}) if isinstance(d, ev.Ticket) else d)
            for t, d in recent
            if t is topics.TICKETS
        ]
        old = [(t, d) for t, d in events if t is topics.TICKETS]
        history = build_history(settings, make_platform("127.0.0.1:9"), engine, None, lambda: now)  # type: ignore[arg-type]
        batch = [HistoryHandler.decode(topics.TICKETS, value) for _, _, value in encoded(old + recent)]
        report = await history.ingest(batch)
        assert (report.expired, report.stored) == (len(old), len(recent))
        assert await scalar(engine, "SELECT count(*) FROM events_tickets WHERE branch_id = :b", b=branch) == len(recent)
        assert (
            await scalar(engine, "SELECT sum(arrivals) FROM rollup_service_interval WHERE branch_id = :b", b=branch)
            == 2
        ), "the old tickets are not counted either"
    finally:
        await engine.dispose()
