"""The usual window schedule in the running service, and the live branch simulator against the API."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest

from branchops.contracts.events import Footfall, Occupancy
from branchops.devstack import TansuBroker
from simulation.live_branch import LIVE_GRID_MIN, LiveBranch
from tests.conftest import make_platform
from tests.integration.test_queue_api import MANAGER, T0, TELLER, Clock, QueueApp, client_for, make_app


@pytest.fixture
async def q(redis_url: str, session_broker: TansuBroker) -> AsyncIterator[QueueApp]:
    clock = Clock()
    app = make_app(redis_url, make_platform(session_broker.bootstrap), clock)
    async with client_for(app) as client:
        yield QueueApp(app, client, clock)
    await app.state.tickets.store._redis.aclose()


async def _cash_wait(q: QueueApp) -> float:
    """Six customers at 10:20 with one busy window: the expected wait of the next one."""
    assert (await q.open_window("w1", ["cash"])).status_code == 200
    for _ in range(7):
        await q.issue("cash")
    assert (await q.call("w1")).status_code == 200
    got = await q.client.get(q.url("/queue"), headers=MANAGER)
    assert got.status_code == 200
    cash = next(s for s in got.json()["services"] if s["service"] == "cash")
    assert cash["waiting"] == 6 and cash["open_windows"] == 1
    return float(cash["est_wait_min"])


async def test_windows_the_branch_usually_opens_shorten_the_wait(q: QueueApp) -> None:
    naive = QueueApp(q.app, q.client, q.clock, branch=f"it-{uuid.uuid4().hex[:8]}")
    q.clock.now = T0 - dt.timedelta(days=1)  # yesterday 10:00 local: w1 all day, w2 from 10:30 to 12:00
    assert (await q.open_window("w1", ["cash"])).status_code == 200
    q.clock.advance(30)
    assert (await q.open_window("w2", ["cash"])).status_code == 200
    q.clock.advance(90)
    assert (await q.open_window("w2", ["cash"], state="closed")).status_code == 200
    marks = await q.app.state.handlers.reader.window_history(q.branch, T0.date())
    assert [(m.window_id, m.open) for m in next(iter(marks.values()))] == [("w1", True), ("w2", True), ("w2", False)]
    q.clock.now = T0 + dt.timedelta(minutes=20)  # today 10:20: w2 usually opens in ten minutes
    learned = await _cash_wait(q)
    plain = await _cash_wait(naive)
    assert learned < 0.8 * plain


async def test_live_simulator_drives_the_api(q: QueueApp) -> None:
    frames: list[Footfall] = []
    grids: list[Occupancy] = []

    async def camera(event: Footfall) -> None:
        frames.append(event)

    async def occupancy(event: Occupancy) -> None:
        grids.append(event)

    q.client.headers.update(TELLER)
    branch = LiveBranch(
        q.client, q.branch, speed=3000.0, seed=5, scale=3.0, minutes=45.0, cameras=camera, occupancy=occupancy
    )
    counts = await branch.run(report_s=60.0)
    assert counts.issued > 0 and counts.called > 0, counts.line()
    assert counts.failed == 0, counts.errors
    assert frames and all(f.branch_id == q.branch and "hall" in f.occupancy for f in frames)
    # the hall camera's grid of the hour in progress, sent when the day ends (two if a wall-clock hour ended),
    # and the hour so far every five camera minutes before that
    final = [g for g in grids if not g.in_progress]
    assert 1 <= len(final) <= 2 and all(g.branch_id == q.branch and (g.cols, g.rows) == (16, 9) for g in grids)
    assert sum(sum(g.person_s) for g in final) > 0 and max(g.peak for g in final) >= 1
    # one so-far grid every LIVE_GRID_MIN camera ticks; a loaded machine runs fewer ticks of the fast simulated day
    # (the camera loop follows the simulated clock), so the count follows the ticks the camera made (one footfall each)
    assert counts.footfall >= LIVE_GRID_MIN, counts.line()
    assert sum(g.in_progress for g in grids) == counts.footfall // LIVE_GRID_MIN
    got = await q.client.get(q.url("/queue"), headers=MANAGER)
    opened = {w["window_id"] for w in got.json()["windows"]}
    assert {"g1", "c1", "m1"} <= opened
