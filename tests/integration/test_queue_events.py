"""Queue changes reach Kafka through the outbox; forecasts are published; footfall is consumed."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import time
from typing import Any

from branchops.contracts import encode, new_event, topics
from branchops.contracts.events import Footfall
from branchops.settings import PlatformSettings
from tests.integration.kafka_helpers import produce_raw, read_topic, wait_for
from tests.integration.test_queue_api import KIOSK, MANAGER, TELLER, Clock, client_for, make_app


async def test_changes_and_forecasts_are_published(redis_url: str, platform: PlatformSettings) -> None:
    clock = Clock(dt.datetime.now(dt.UTC))
    app = make_app(redis_url, platform, clock, forecast_interval_s=1)
    branch = f"ev-{clock.now.microsecond}"
    async with app.router.lifespan_context(app), client_for(app) as client:
        url = f"/v1/branches/{branch}"
        ticket = (await client.post(f"{url}/tickets", json={"service": "cash"}, headers=KIOSK)).json()
        await client.put(f"{url}/windows/w1", json={"state": "open", "skills": ["cash"]}, headers=TELLER)
        await client.post(f"{url}/windows/w1/call-next", headers=TELLER)
        footfall = Footfall(
            branch_id=branch,
            at=clock.now,
            camera_id="cam1",
            window_start=clock.now,
            window_end=clock.now,
            entered=3,
            exited=0,
            occupancy={"hall": 7},
        )
        await produce_raw(
            platform.kafka_bootstrap,
            topics.FOOTFALL.name,
            [encode(new_event(topics.FOOTFALL, footfall, source="branchops/queue/cam"))],
            key=branch.encode(),
        )
        reader = app.state.handlers.reader
        await wait_for(lambda: _people(reader, branch, clock.now), timeout_s=20, what="footfall consumed")
        queue = (await client.get(f"{url}/queue", headers=MANAGER)).json()
        assert queue["services"][0]["open_windows"] == 1 and queue["arrivals"]
    # other tests' outbox entries (never relayed there) may ride along: look at this branch only
    tickets = _mine(await read_topic(platform.kafka_bootstrap, topics.TICKETS.name, expect=10_000, timeout_s=3), branch)
    statuses = [json.loads(r.value)["data"]["status"] for r in tickets]
    assert statuses == ["issued", "called"]
    assert {json.loads(r.value)["data"]["ticket_id"] for r in tickets} == {ticket["ticket_id"]}
    windows = _mine(await read_topic(platform.kafka_bootstrap, topics.WINDOWS.name, expect=10_000, timeout_s=2), branch)
    assert json.loads(windows[0].value)["data"]["skills"] == ["cash"]
    forecasts = _mine(
        await read_topic(platform.kafka_bootstrap, topics.QUEUE_FORECAST.name, expect=10_000, timeout_s=2), branch
    )
    data = json.loads(forecasts[-1].value)["data"]
    assert data["branch_id"] == branch and data["per_service"][0]["service"] == "cash"


async def test_a_busy_branch_gets_one_forecast_per_gap_with_its_latest_state(
    redis_url: str, platform: PlatformSettings
) -> None:
    """Twelve tickets in quick succession: one forecast for the first burst, then, at the end of the gap,
    one that counts all twelve (nothing is lost by coalescing, and the cost is per branch, not per ticket)."""
    clock = Clock(dt.datetime.now(dt.UTC))
    app = make_app(redis_url, platform, clock, forecast_interval_s=300, forecast_min_gap_s=2.0)
    branch = f"gap-{clock.now.microsecond}"
    async with app.router.lifespan_context(app), client_for(app) as client:
        url = f"/v1/branches/{branch}"
        await client.post(f"{url}/tickets", json={"service": "cash"}, headers=KIOSK)
        for _ in range(200):  # this branch's first forecast goes out (debounce 0.5 s; later on a loaded machine)
            if branch in app.state.forecasts._last:  # other branches of the shared Redis are forecast too
                break
            await asyncio.sleep(0.05)
        burst_started = time.monotonic()
        for _ in range(11):
            await client.post(f"{url}/tickets", json={"service": "cash"}, headers=KIOSK)
            await asyncio.sleep(0.05)
        burst_s = time.monotonic() - burst_started  # about 1 s; longer when the machine is busy
        await asyncio.sleep(3.0)  # the end of the gap: one more forecast
        published = app.state.forecasts.published
    forecasts = _mine(
        await read_topic(platform.kafka_bootstrap, topics.QUEUE_FORECAST.name, expect=10_000, timeout_s=2), branch
    )
    waiting = [json.loads(r.value)["data"]["per_service"][0]["waiting"] for r in forecasts]
    assert waiting[0] == 1 and waiting[-1] == 12
    # one per gap (2 s), not one per ticket: the first, one per gap the burst spans, one at its end
    assert len(waiting) <= 2 + math.ceil(burst_s / 2.0), (waiting, burst_s)
    assert published >= 2


async def _people(reader: object, branch: str, now: dt.datetime) -> bool:
    return await reader.people_in_hall(branch, now) == 7  # type: ignore[attr-defined,no-any-return]


def _mine(records: list[Any], branch: str) -> list[Any]:
    return [r for r in records if json.loads(r.value)["subject"] == branch]
