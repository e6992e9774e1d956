"""Gateway restarts lose nothing (issue 16 item 5): today's figures come from records' daily report.

Records runs in-process on the session's PostgreSQL with its history consumer on a broker of its own; a
morning of tickets goes through Kafka into it. Two gateway app instances, one after the other (a restart),
each start empty and show the same day on the dashboard and in head office's table, seeded from records;
live events then add on top.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from branchops.contracts import events as ev
from branchops.contracts import topics
from branchops.contracts.base import EventData
from branchops.contracts.enums import Channel, ServiceName, TicketStatus
from branchops.devstack import TansuBroker
from branchops.settings import PlatformSettings, Role
from services.gateway.adapters.upstream import Upstreams
from services.gateway.bootstrap import build_app
from services.gateway.settings import GatewaySettings
from tests.conftest import api_key, make_platform
from tests.integration.kafka_helpers import wait_for
from tests.integration.records_support import encoded, produce, records_settings, running_records

ZONE = ZoneInfo("Asia/Shanghai")
MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
HEAD_OFFICE = {"X-API-Key": api_key(Role.HEAD_OFFICE)}


@pytest.fixture
async def records(broker: TansuBroker, redis_url: str, database_url: str) -> AsyncIterator[tuple[FastAPI, Any]]:
    settings = records_settings(database_url, redis_url, history_enabled=True, retry_backoff_ms=20)
    platform = make_platform(broker.bootstrap)
    async with running_records(settings, platform) as (app, client):
        await wait_for(lambda: app.state.history.consumer.connected, timeout_s=30, what="history consumer joined")
        yield app, client


def morning(branch: str, now: dt.datetime) -> list[tuple[topics.Topic, EventData]]:
    """Six tickets this local day: five called (four within 10 minutes) and served, one abandoned."""
    midnight = now.astimezone(ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    span = (now - midnight).total_seconds()
    out: list[tuple[topics.Topic, EventData]] = []
    for i in range(6):
        issued = midnight + dt.timedelta(seconds=span * (0.1 + 0.1 * i))

        def ticket(status: TicketStatus, at: dt.datetime, i: int = i) -> None:
            data = ev.Ticket(
                branch_id=branch,
                at=at,
                ticket_id=f"t-{branch}-{i}",
                number=f"A{i + 1:03d}",
                service=ServiceName.CASH,
                status=status,
                window_id=None if status in (TicketStatus.ISSUED, TicketStatus.ABANDONED) else "w1",
                channel=Channel.KIOSK,
            )
            out.append((topics.TICKETS, data))

        ticket(TicketStatus.ISSUED, issued)
        if i == 5:
            ticket(TicketStatus.ABANDONED, issued + dt.timedelta(seconds=span * 0.01))
            continue
        called = issued + dt.timedelta(seconds=min(span * 0.01, 300) if i < 4 else span * 0.05 + 900)
        ticket(TicketStatus.CALLED, called)
        ticket(TicketStatus.COMPLETED, called + dt.timedelta(seconds=min(span * 0.01, 240)))
    return out


def gateway(records_app: FastAPI, platform: PlatformSettings, branch: str) -> FastAPI:
    """A fresh gateway instance (no lifespan: no Kafka here) that reaches records in-process."""
    nowhere = "http://127.0.0.1:9"  # queue and staffing are not needed here
    settings = GatewaySettings(branches=[branch], queue_url=nowhere, staffing_url=nowhere, cookie_secure=False)
    return build_app(settings, platform, upstreams=Upstreams(settings, transport=httpx.ASGITransport(app=records_app)))


async def figures(app: FastAPI, branch: str) -> tuple[dict[str, Any], dict[str, Any]]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        dashboard = await client.get(f"/v1/branches/{branch}/dashboard", headers=MANAGER)
        assert dashboard.status_code == 200, dashboard.text
        table = await client.get("/v1/head-office/branches", headers=HEAD_OFFICE)
        assert table.status_code == 200, table.text
    row = next(r for r in table.json()["branches"] if r["branch_id"] == branch)
    return dashboard.json()["snapshot"], row


async def test_a_restarted_gateway_shows_the_whole_day(records: tuple[FastAPI, Any], broker: TansuBroker) -> None:
    records_app, client = records
    branch = f"gr-{uuid.uuid4().hex[:8]}"
    now = dt.datetime.now(dt.UTC)
    if now.astimezone(ZONE).hour == 0 and now.astimezone(ZONE).minute < 5:
        pytest.skip("too close to the branch's midnight for a morning of tickets")
    await produce(broker.bootstrap, encoded(morning(branch, now)))

    async def counted() -> bool:
        got = await client.get(f"/v1/branches/{branch}/reports/daily", headers=MANAGER)
        return got.status_code == 200 and got.json()["totals"]["served"] == 5

    await wait_for(counted, timeout_s=60, what="records counted the morning")
    report = (await client.get(f"/v1/branches/{branch}/reports/daily", headers=MANAGER)).json()
    platform = make_platform(broker.bootstrap)

    first, first_row = await figures(gateway(records_app, platform, branch), branch)
    assert first["tickets_today"] == report["totals"]["arrivals"] == 6
    assert first["called_today"] == report["totals"]["called"] == 5
    assert first["abandoned_today"] == 1
    assert first["service_level"] == pytest.approx(report["totals"]["within_target_share"], abs=0.02)
    assert first["seeded_from_records"] is not None
    assert first_row["tickets_today"] == 6

    restarted = gateway(records_app, platform, branch)  # the restart: a new instance, nothing in memory
    again, again_row = await figures(restarted, branch)
    for key in ("tickets_today", "called_today", "abandoned_today", "service_level"):
        assert again[key] == first[key], key
    assert again_row["tickets_today"] == 6

    live = ev.Ticket(
        branch_id=branch,
        at=dt.datetime.now(dt.UTC),
        ticket_id=f"t-{branch}-live",
        number="A099",
        service=ServiceName.CASH,
        status=TicketStatus.ISSUED,
        channel=Channel.KIOSK,
    )
    restarted.state.gateway.handlers.state(branch).apply(live)  # the live stream goes on from the seed
    after, _ = await figures(restarted, branch)
    assert after["tickets_today"] == 7


async def test_without_records_the_gateway_shows_what_it_saw(broker: TansuBroker) -> None:
    nowhere = "http://127.0.0.1:9"
    settings = GatewaySettings(
        branches=["b1"], queue_url=nowhere, staffing_url=nowhere, records_url=nowhere, cookie_secure=False
    )
    app = build_app(settings, make_platform(broker.bootstrap))
    snapshot, row = await figures(app, "b1")
    assert snapshot["tickets_today"] == 0 and snapshot["seeded_from_records"] is None and row["tickets_today"] == 0
