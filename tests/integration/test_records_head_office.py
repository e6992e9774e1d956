"""Head-office reports on real PostgreSQL: three branches' mornings over four days ingested through records'
history (raw rows, fold, rollups; the per-branch-day summary kept by migration 0004's triggers), then the
ranking with its change against the previous period, the CSV, the trend, role refusals and bad queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from branchops.contracts import Topic
from branchops.contracts.base import EventData
from branchops.devstack import TansuBroker
from branchops.devstack.postgres import create_database, drop_database
from branchops.settings import Role
from services.records.adapters.network_queries import NetworkQueries
from services.records.bootstrap import build_history
from services.records.domain import waits
from services.records.domain.network import DateRange, totals
from services.records.handlers import HistoryHandler
from services.records.usecases.ingest import Incoming, Ingest
from tests.conftest import api_key, fresh_database_name, make_platform
from tests.integration.records_support import (
    Expected,
    branch_morning,
    document,
    encoded,
    records_settings,
    running_records,
    scalar,
)

HEAD_OFFICE = {"X-API-Key": api_key(Role.HEAD_OFFICE)}
SERVICE = {"X-API-Key": api_key(Role.SERVICE)}
MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
TELLER = {"X-API-Key": api_key(Role.TELLER)}
NAMES = {"ho-east": "城东支行", "ho-west": "城西支行"}  # ho-solo has no configuration
BASE = dt.date.today() - dt.timedelta(days=8)
PREVIOUS = (BASE, BASE + dt.timedelta(days=1))
CURRENT = (BASE + dt.timedelta(days=2), BASE + dt.timedelta(days=3))
# (branch, day offset from BASE, tickets): previous period days 0-1, current period days 2-3
MORNINGS = [
    ("ho-east", 0, 20),
    ("ho-east", 2, 30),
    ("ho-east", 3, 12),
    ("ho-west", 1, 10),
    ("ho-west", 3, 40),
    ("ho-solo", 2, 6),
]


@dataclass
class Network:
    app: FastAPI
    client: httpx.AsyncClient
    mornings: dict[tuple[str, dt.date], Expected]
    batch: list[Incoming]
    ingest: Ingest


def _renamed(data: EventData, tag: str) -> EventData:
    """Each morning's tickets, sessions and alerts get ids of their own (branch_morning reuses them)."""
    update = {f: f"{getattr(data, f)}-{tag}" for f in ("ticket_id", "session_id", "alert_id") if hasattr(data, f)}
    return data.model_copy(update=update) if update else data


@pytest.fixture(scope="module")
async def network(postgres_url: str, redis_url: str, session_broker: TansuBroker) -> AsyncIterator[Network]:
    name = fresh_database_name("headoffice")
    url = create_database(postgres_url, name)
    try:
        async with running_records(records_settings(url, redis_url), make_platform(session_broker.bootstrap)) as (
            app,
            client,
        ):
            for branch, label in NAMES.items():
                body = document()
                body["branch"]["name"] = label
                put = await client.put(f"/v1/branches/{branch}/config", json=body, headers={**MANAGER})
                assert put.status_code == 201, put.text
            now = dt.datetime.now(dt.UTC)
            platform, engine = make_platform("127.0.0.1:9"), app.state.engine
            history = build_history(app.state.settings, platform, engine, None, lambda: now)  # type: ignore[arg-type]
            mornings: dict[tuple[str, dt.date], Expected] = {}
            events: list[tuple[Topic, EventData]] = []
            for n, (branch, offset, tickets) in enumerate(MORNINGS):
                day = BASE + dt.timedelta(days=offset)
                start = dt.datetime.combine(day, dt.time(1, 0), dt.UTC)  # 09:00 in Asia/Shanghai
                made, expected = branch_morning(branch, start, tickets=tickets, seed=n)
                events += [(topic, _renamed(data, f"d{offset}")) for topic, data in made]
                mornings[(branch, day)] = expected
            batch = [
                HistoryHandler.decode(topic, value)
                for (topic, _), (_, _, value) in zip(events, encoded(events), strict=True)
            ]
            windows = [i for i in batch if i.topic == "branchops.windows.v1"]  # staff at the windows first
            await history.ingest(windows)
            report = await history.ingest([i for i in batch if i.topic != "branchops.windows.v1"])
            assert report.stored == len(batch) - len(windows)
            yield Network(app, client, mornings, batch, history.ingest)
    finally:
        drop_database(postgres_url, name)


def _of(net: Network, branch: str, days: tuple[dt.date, dt.date]) -> list[Expected]:
    return [e for (b, day), e in net.mornings.items() if b == branch and days[0] <= day <= days[1]]


def _share(mornings: list[Expected]) -> float | None:
    waited = sum(len(e.waits_min) for e in mornings) + sum(e.abandoned for e in mornings)
    return round(sum(e.within_target for e in mornings) / waited, 3) if waited else None


def _percentile(mornings: list[Expected], q: float) -> float | None:
    histogram: dict[int, int] = {}
    for e in mornings:
        for wait in e.waits_min:
            histogram[waits.bucket(wait)] = histogram.get(waits.bucket(wait), 0) + 1
    found = waits.percentile(histogram, q)
    return None if found is None else round(found, 1)


def _expected_totals(mornings: list[Expected]) -> dict[str, Any]:
    ratings = sum(e.ratings for e in mornings)
    handled = sum(e.served for e in mornings)
    voice = 3 * len(mornings)
    return {
        "arrivals": sum(e.tickets for e in mornings),
        "called": sum(len(e.waits_min) for e in mornings),
        "served": sum(e.served for e in mornings),
        "no_show": sum(e.no_show for e in mornings),
        "abandoned": sum(e.abandoned for e in mornings),
        "cancelled": 0,
        "transferred": 0,
        "within_target_share": _share(mornings),
        "wait_p50_min": _percentile(mornings, 50),
        "wait_p90_min": _percentile(mornings, 90),
        "handling_min_avg": round(sum(e.handled_s for e in mornings) / handled / 60, 1) if handled else None,
        "ratings": ratings,
        "rating_avg": round(sum(e.rating_sum for e in mornings) / ratings, 2) if ratings else None,
        "footfall_entered": sum(e.entered for e in mornings),
        "alerts_raised": sum(e.alerts for e in mornings),
        "alerts_acknowledged": 0,
        "alert_ack_s_avg": None,
        "alerts_expired": 0,
        "voice_sessions": voice,
        "voice_completed_without_staff": sum(e.voice_completed for e in mornings),
        "voice_handed_off": sum(e.voice_handed_off for e in mornings),
        "voice_containment": round(sum(e.voice_completed for e in mornings) / voice, 3) if voice else None,
        "kyc_decisions": sum(sum(e.kyc.values()) for e in mornings),
    }


def _query(days: tuple[dt.date, dt.date]) -> str:
    return f"from={days[0]}&to={days[1]}"


async def test_the_summary_adds_up_to_the_rollups(network: Network) -> None:
    engine = network.app.state.engine
    for branch in ("ho-east", "ho-west", "ho-solo"):
        summary = await scalar(
            engine,
            "SELECT array[sum(arrivals), sum(served), sum(wait_m0 + wait_m5 + wait_m13), sum(ratings),"
            " sum(footfall_entered), sum(kyc_decisions), sum(voice_sessions), sum(alerts_raised)]::bigint[]"
            " FROM rollup_branch_day WHERE branch_id = :b",
            b=branch,
        )
        direct = [
            await scalar(engine, f"SELECT coalesce(sum({expr}), 0)::bigint FROM {table} WHERE branch_id = :b", b=branch)
            for table, expr in (
                ("rollup_service_interval", "arrivals"),
                ("rollup_service_interval", "served"),
                ("rollup_wait_buckets", "CASE WHEN bucket IN (0, 5, 13) THEN tickets ELSE 0 END"),
                ("rollup_window_day", "ratings"),
                ("rollup_footfall_interval", "entered"),
                ("rollup_kyc_day", "decisions"),
                ("rollup_voice_day", "sessions"),
                ("rollup_alert_day", "raised"),
            )
        ]
        assert summary == direct, branch
        for service in ("cash", "general"):
            summed = await scalar(
                engine,
                "SELECT array[sum(arrivals), sum(served), sum(within_target), sum(wait_m0 + wait_m13)]::bigint[]"
                " FROM rollup_service_day WHERE branch_id = :b AND service = :s",
                b=branch,
                s=service,
            )
            tickets = await scalar(
                engine,
                "SELECT array[sum(arrivals), sum(served), sum(within_target)]::bigint[] FROM rollup_service_interval"
                " WHERE branch_id = :b AND service = :s",
                b=branch,
                s=service,
            )
            waited = await scalar(
                engine,
                "SELECT sum(tickets)::bigint FROM rollup_wait_buckets WHERE branch_id = :b AND service = :s"
                " AND bucket IN (0, 13)",
                b=branch,
                s=service,
            )
            assert summed == ([*tickets, waited] if tickets[0] is not None else [None] * 4), (branch, service)
        days = await scalar(
            engine, "SELECT count(*) FROM rollup_branch_day WHERE branch_id = :b AND arrivals > 0", b=branch
        )
        assert days == sum(1 for b, _ in network.mornings if b == branch)


async def test_the_ranking_has_every_branch_with_its_totals_and_change(network: Network) -> None:
    answer = await network.client.get(f"/v1/reports/branches?{_query(CURRENT)}", headers=HEAD_OFFICE)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["from"], body["to"]) == (CURRENT[0].isoformat(), CURRENT[1].isoformat())
    everyone = [e for (_, day), e in network.mornings.items() if CURRENT[0] <= day <= CURRENT[1]]
    assert body["network"] == _expected_totals(everyone)
    rows = {row["branch_id"]: row for row in body["branches"]}
    assert set(rows) == {"ho-east", "ho-west", "ho-solo"}
    for branch, row in rows.items():
        mine = _of(network, branch, CURRENT)
        assert {k: row[k] for k in _expected_totals(mine)} == _expected_totals(mine), branch
        assert row["name"] == NAMES.get(branch)
        before = _share(_of(network, branch, PREVIOUS))
        assert row["previous_within_target_share"] == before
        now = _share(mine)
        assert row["change_points"] == (None if before is None or now is None else round((now - before) * 100, 1))
    assert rows["ho-solo"]["previous_within_target_share"] is None and rows["ho-solo"]["change_points"] is None
    assert rows["ho-east"]["change_points"] is not None
    ordered = sorted(rows.values(), key=lambda r: (-r["within_target_share"], r["branch_id"]))
    assert [r["branch_id"] for r in body["branches"]] == [r["branch_id"] for r in ordered]
    assert [r["rank"] for r in body["branches"]] == [1, 2, 3]
    assert list(body["branches"][0])[:3] == ["branch_id", "name", "rank"]


async def test_sort_order_and_limit(network: Network) -> None:
    answer = await network.client.get(
        f"/v1/reports/branches?{_query(CURRENT)}&sort=arrivals&order=asc&limit=2", headers=SERVICE
    )
    assert answer.status_code == 200, answer.text
    rows = answer.json()["branches"]
    assert [(r["branch_id"], r["arrivals"], r["rank"]) for r in rows] == [("ho-solo", 6, 1), ("ho-west", 40, 2)]
    empty = await network.client.get(
        f"/v1/reports/branches?from={BASE - dt.timedelta(days=30)}&to={BASE - dt.timedelta(days=20)}",
        headers=HEAD_OFFICE,
    )
    body = empty.json()
    assert body["network"]["arrivals"] == 0 and body["network"]["within_target_share"] is None
    assert {r["branch_id"] for r in body["branches"]} == set(NAMES), "configured branches appear with zeros"
    assert all(r["arrivals"] == 0 and r["wait_p50_min"] is None for r in body["branches"])


async def test_the_csv_has_the_same_rows(network: Network) -> None:
    answer = await network.client.get(f"/v1/reports/branches.csv?{_query(CURRENT)}", headers=HEAD_OFFICE)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    ranking = (await network.client.get(f"/v1/reports/branches?{_query(CURRENT)}", headers=HEAD_OFFICE)).json()
    header = lines[0]
    assert header[:4] == ["branch_id", "name", "rank", "arrivals"]
    assert header[-2:] == ["previous_within_target_share", "change_points"]
    assert len(lines) == 1 + len(ranking["branches"])
    for line, row in zip(lines[1:], ranking["branches"], strict=True):
        cells = dict(zip(header, line, strict=True))
        assert cells["branch_id"] == row["branch_id"] and cells["name"] == (row["name"] or "")
        assert int(cells["arrivals"]) == row["arrivals"]
        share = row["within_target_share"]
        assert (float(cells["within_target_share"]) if cells["within_target_share"] else None) == share
        assert cells["change_points"] == ("" if row["change_points"] is None else cells["change_points"])
    assert "城东支行" in answer.content.decode("utf-8-sig")


async def test_the_trend_of_the_network_and_of_one_branch(network: Network) -> None:
    span = (BASE - dt.timedelta(days=1), BASE + dt.timedelta(days=4))
    answer = await network.client.get(f"/v1/reports/trend?{_query(span)}", headers=HEAD_OFFICE)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["branch_id"] is None and (body["from"], body["to"]) == (span[0].isoformat(), span[1].isoformat())
    assert [d["date"] for d in body["days"]] == [(span[0] + dt.timedelta(days=n)).isoformat() for n in range(6)]
    for entry in body["days"]:
        day = dt.date.fromisoformat(entry["date"])
        mine = [e for (_, d), e in network.mornings.items() if d == day]
        assert {k: v for k, v in entry.items() if k != "date"} == _expected_totals(mine), day
    assert body["days"][0]["arrivals"] == 0 and body["days"][0]["within_target_share"] is None
    one = await network.client.get(f"/v1/reports/trend?{_query(span)}&branch_id=ho-east", headers=SERVICE)
    assert one.status_code == 200 and one.json()["branch_id"] == "ho-east"
    assert [d["arrivals"] for d in one.json()["days"]] == [0, 20, 0, 30, 12, 0]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v1/reports/branches", MANAGER),
        ("/v1/reports/branches.csv", MANAGER),
        ("/v1/reports/trend", MANAGER),
        ("/v1/reports/branches", TELLER),
        ("/v1/reports/trend", {"X-API-Key": api_key(Role.KIOSK)}),
    ],
)
async def test_only_head_office_and_services(network: Network, path: str, headers: dict[str, str]) -> None:
    refused = await network.client.get(path, headers=headers)
    assert refused.status_code == 403
    assert (await network.client.get(path)).status_code == 401


@pytest.mark.parametrize(
    ("query", "status", "reason"),
    [
        ("from=2026-13-01&to=2026-12-31", 400, "bad_date"),
        ("from=2026/12/01&to=2026-12-31", 400, "bad_date"),
        ("from=2026-12-01&to=yesterday", 400, "bad_date"),
        ("from=2026-12-10&to=2026-12-01", 400, "bad_range"),
        ("from=2026-12-01&to=2026-12-02&sort=name", 400, "bad_sort"),
        ("from=2025-01-01&to=2026-01-02", 422, "range_too_long"),
    ],
)
async def test_bad_queries_are_refused_with_their_reason(
    network: Network, query: str, status: int, reason: str
) -> None:
    for path in ("/v1/reports/branches", "/v1/reports/branches.csv", "/v1/reports/trend"):
        if reason == "bad_sort" and path != "/v1/reports/branches":
            continue
        answer = await network.client.get(f"{path}?{query}", headers=HEAD_OFFICE)
        assert answer.status_code == status, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["reason"] == reason
    longest = await network.client.get("/v1/reports/branches?from=2025-01-02&to=2026-01-02", headers=HEAD_OFFICE)
    assert longest.status_code == 200, "366 days are allowed"


async def test_redelivery_updates_and_retention_keep_the_summary_right(network: Network) -> None:
    engine = network.app.state.engine
    total = "SELECT sum(arrivals) FROM rollup_branch_day WHERE branch_id = :b"
    before = await scalar(engine, total, b="ho-west")
    report = await network.ingest(network.batch)  # everything delivered again: stored once, counted once
    assert report.stored == 0 and await scalar(engine, total, b="ho-west") == before

    day = BASE - dt.timedelta(days=200)
    start = dt.datetime.combine(day, dt.time(1, 0), dt.UTC)
    upsert = text(
        "INSERT INTO rollup_service_interval (branch_id, service, interval_start, day, target_wait_min, arrivals,"
        " waits) VALUES ('ho-tmp', 'cash', :at, :day, 10, :n, :n) ON CONFLICT (branch_id, service, interval_start)"
        " DO UPDATE SET arrivals = rollup_service_interval.arrivals + EXCLUDED.arrivals,"
        " waits = rollup_service_interval.waits + EXCLUDED.waits"
    )
    buckets = text(
        "INSERT INTO rollup_wait_buckets VALUES ('ho-tmp', 'cash', :at, 7, :n) ON CONFLICT"
        " (branch_id, service, interval_start, bucket) DO UPDATE SET tickets = rollup_wait_buckets.tickets"
        " + EXCLUDED.tickets"
    )
    async with engine.begin() as connection:  # a new row, then the same key again (the update path)
        for n in (3, 4):
            await connection.execute(upsert, {"at": start, "day": day, "n": n})
            await connection.execute(buckets, {"at": start, "n": n})
    summed = "SELECT array[arrivals, waits, wait_m7, wait_m6] FROM rollup_branch_day WHERE branch_id = 'ho-tmp'"
    assert await scalar(engine, summed) == [7, 7, 7, 0]
    async with engine.begin() as connection:  # a later day in its zone: the counters move to that day
        await connection.execute(
            text("UPDATE rollup_service_interval SET day = :d WHERE branch_id = 'ho-tmp'"),
            {"d": day + dt.timedelta(days=1)},
        )
    moved = "SELECT array_agg(arrivals ORDER BY day) FROM rollup_branch_day WHERE branch_id = 'ho-tmp'"
    assert await scalar(engine, moved) == [0, 7]
    async with engine.begin() as connection:  # the retention job deletes the intervals: their days go too
        await connection.execute(text("DELETE FROM rollup_wait_buckets WHERE branch_id = 'ho-tmp'"))
        await connection.execute(text("DELETE FROM rollup_service_interval WHERE branch_id = 'ho-tmp'"))
    left = "SELECT array_agg(day) FROM rollup_branch_day WHERE branch_id = 'ho-tmp' AND arrivals + wait_m7 > 0"
    assert await scalar(engine, left) is None
    assert (
        await scalar(
            engine,
            "SELECT count(*) FROM rollup_branch_day WHERE branch_id = 'ho-tmp' AND day = :d",
            d=day + dt.timedelta(days=1),
        )
        == 0
    )


async def test_defaults_and_one_branchs_services_from_the_summary(network: Network) -> None:
    answer = await network.client.get("/v1/reports/trend", headers=HEAD_OFFICE)
    assert answer.status_code == 200, answer.text
    days = answer.json()["days"]
    assert len(days) == 30 and answer.json()["to"] == days[-1]["date"], "30 days up to today (Asia/Shanghai)"
    assert (await network.client.get("/v1/reports/branches?limit=1", headers=HEAD_OFFICE)).json()["branches"][0][
        "rank"
    ] == 1
    queries = NetworkQueries(network.app.state.engine)
    services = await queries.per_service(DateRange(CURRENT[0], CURRENT[1]), "ho-east")
    mine = _of(network, "ho-east", CURRENT)
    assert set(services) == {"cash"}
    assert totals(services["cash"])["arrivals"] == sum(e.tickets for e in mine)
    assert totals(services["cash"])["wait_p90_min"] == _percentile(mine, 90)
