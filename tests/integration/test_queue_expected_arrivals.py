"""Expected arrivals in the live wait prediction (issue 23), through the queue app on real Redis: a branch
that had a steady stream of customers in the last hour predicts a longer wait for a newcomer than the
same queue whose stream ended over an hour ago; the recent arrivals' key expires relatively."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest

from branchops.contracts.enums import Priority, ServiceName
from branchops.devstack import TansuBroker
from services.queue.adapters.keys import RECENT_TTL_S, Keys
from tests.conftest import make_platform
from tests.integration.test_queue_api import MANAGER, T0, Clock, QueueApp, client_for, make_app

STREAM = 15  # general customers, one every 4 minutes, each served in 3
CASH, GENERAL, NORMAL = ServiceName.CASH, ServiceName.GENERAL, Priority.NORMAL


@pytest.fixture
async def q(redis_url: str, session_broker: TansuBroker) -> AsyncIterator[QueueApp]:
    clock = Clock()
    app = make_app(redis_url, make_platform(session_broker.bootstrap), clock)
    async with client_for(app) as client:
        yield QueueApp(app, client, clock)
    await app.state.tickets.store._redis.aclose()


async def _stream(q: QueueApp, start: dt.datetime) -> None:
    """The mixed window m1 (general first, then cash) serves a general customer every 4 minutes."""
    q.clock.now = start
    assert (await q.open_window("m1", ["general", "cash"])).status_code == 200
    for _ in range(STREAM):
        ticket = await q.issue("general")
        called = await q.call("m1")
        assert called.status_code == 200 and called.json()["ticket_id"] == ticket["ticket_id"]
        q.clock.advance(3)
        assert (await q.act(ticket["ticket_id"], "complete")).status_code == 200
        q.clock.advance(1)


async def _cash_newcomer(q: QueueApp, now: dt.datetime) -> float:
    """Three cash customers wait at ``now`` with m1 idle: the expected wait of the next cash customer."""
    q.clock.now = now
    for _ in range(3):
        await q.issue("cash")
    got = await q.client.get(q.url("/queue"), headers=MANAGER)
    assert got.status_code == 200
    cash = next(s for s in got.json()["services"] if s["service"] == "cash")
    assert cash["waiting"] == 3 and cash["open_windows"] == 1
    return float(cash["est_wait_min"])


async def test_a_steady_stream_of_arrivals_lengthens_a_newcomers_wait(q: QueueApp) -> None:
    quiet = QueueApp(q.app, q.client, q.clock, branch=f"it-{uuid.uuid4().hex[:8]}")
    now = T0 + dt.timedelta(hours=2)
    await _stream(q, now - dt.timedelta(minutes=60))  # the last hour: general customers keep coming
    await _stream(quiet, now - dt.timedelta(minutes=150))  # the same stream, ended 90 minutes ago
    busy_wait = await _cash_newcomer(q, now)
    quiet_wait = await _cash_newcomer(quiet, now)
    # m1 calls its first service first: the general customers expected in the next minutes go before cash
    assert busy_wait > 1.25 * quiet_wait > 0, (busy_wait, quiet_wait)  # 23.9 vs 14.6 min when written

    reader = q.app.state.handlers.reader
    local_day = now.astimezone(q.app.state.tickets.store.tz).date()
    first = await reader.first_arrival(q.branch, local_day)
    assert first == now - dt.timedelta(minutes=60)
    hour = now - dt.timedelta(minutes=60)
    assert await reader.recent_counts(q.branch, hour, now) == {(CASH, NORMAL): 3, (GENERAL, NORMAL): STREAM}
    assert await reader.recent_counts(q.branch, hour + dt.timedelta(seconds=1), now) == {
        (CASH, NORMAL): 3,
        (GENERAL, NORMAL): STREAM - 1,  # the first, exactly an hour ago, is out of this span
    }
    assert await reader.first_arrival(quiet.branch, local_day) == now - dt.timedelta(minutes=150)
    # the stream's tickets fell out of the hour
    assert await reader.recent_counts(quiet.branch, hour, now) == {(CASH, NORMAL): 3}
    redis = q.app.state.tickets.store._redis
    key = Keys(quiet.branch).recent_arrivals
    assert await redis.zcard(key) == 3, "tickets older than the hour are trimmed as new ones come"
    assert 0 < await redis.ttl(key) <= RECENT_TTL_S


async def test_the_setting_off_predicts_from_the_customers_present_only(
    redis_url: str, session_broker: TansuBroker
) -> None:
    clock = Clock()
    app = make_app(redis_url, make_platform(session_broker.bootstrap), clock, predict_expected_arrivals=False)
    async with client_for(app) as client:
        off = QueueApp(app, client, clock)
        quiet = QueueApp(app, client, clock, branch=f"it-{uuid.uuid4().hex[:8]}")
        now = T0 + dt.timedelta(hours=2)
        await _stream(off, now - dt.timedelta(minutes=60))
        await _stream(quiet, now - dt.timedelta(minutes=150))
        assert await _cash_newcomer(off, now) == pytest.approx(await _cash_newcomer(quiet, now), abs=0.02)
    await app.state.tickets.store._redis.aclose()


async def _cash_wait(q: QueueApp, now: dt.datetime) -> float:
    """The expected wait of a cash customer joining at ``now``."""
    q.clock.now = now
    got = await q.client.get(q.url("/queue"), headers=MANAGER)
    assert got.status_code == 200
    return float(next(s for s in got.json()["services"] if s["service"] == "cash")["est_wait_min"])


async def test_yesterdays_last_customers_are_not_expected_after_midnight(q: QueueApp) -> None:
    quiet = QueueApp(q.app, q.client, q.clock, branch=f"it-{uuid.uuid4().hex[:8]}")
    tz = q.app.state.tickets.store.tz
    local = T0.astimezone(tz)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)
    for branch, stream_start in ((q, midnight - dt.timedelta(minutes=70)), (quiet, midnight - dt.timedelta(hours=4))):
        await _stream(branch, stream_start)
        q.clock.now = midnight - dt.timedelta(minutes=8)  # one more general customer, still at m1
        last = await branch.issue("general")
        assert (await branch.call("m1")).json()["ticket_id"] == last["ticket_id"]
        for _ in range(3):  # and three cash customers waiting for it
            await branch.issue("cash")
    before_midnight = midnight - dt.timedelta(minutes=6)
    assert await _cash_wait(q, before_midnight) > await _cash_wait(quiet, before_midnight) + 0.5
    after_midnight = midnight + dt.timedelta(minutes=2)  # a new local day, nobody has taken a ticket yet
    assert await _cash_wait(q, after_midnight) == pytest.approx(await _cash_wait(quiet, after_midnight), abs=0.02)
