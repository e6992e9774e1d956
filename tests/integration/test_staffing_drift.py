"""Service-time drift with the real broker and Redis: tickets completed in the last hour took 60% longer
than the plan's handling time, so the intraday re-plan asks for more tellers for the rest of the day than the
same branch whose tellers keep the plan's time. The recent handling times are kept idempotently."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from branchops.contracts.enums import Channel, ServiceName, TicketStatus
from branchops.contracts.events import Ticket
from branchops.settings import PlatformSettings, Role
from branchops.state import create_redis
from services.staffing.adapters.ticket_counts import TicketCounts
from tests.conftest import api_key
from tests.integration.staffing_support import SHANGHAI, FakeClock, running_app, small_instance, staffing_settings

MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
ZONE = dt.timezone(dt.timedelta(hours=8))


def _ticket(branch: str, tid: str, at: dt.datetime, status: TicketStatus) -> Ticket:
    return Ticket(
        branch_id=branch,
        at=at,
        ticket_id=tid,
        number="B001",
        service=ServiceName.GENERAL,
        status=status,
        channel=Channel.KIOSK,
    )


async def _served(counts: TicketCounts, branch: str, now: dt.datetime, minutes: float, n: int = 12) -> None:
    """``n`` customers whose service began 20 to 75 minutes ago, ``minutes`` each."""
    for i in range(n):
        began = now - dt.timedelta(minutes=20 + 55 * i / n)
        done = began + dt.timedelta(minutes=minutes)
        for at, status in ((began, TicketStatus.CALLED), (done, TicketStatus.COMPLETED)):
            await counts.record_history(_ticket(branch, f"d{i}", at, status), ZONE)  # type: ignore[arg-type]


def _required_after(plan: dict[str, Any], clock: str) -> int:
    return sum(sum(i["required"].values()) for i in plan["intervals"] if i["start"] >= clock)


async def test_recent_handling_times_are_kept_once_and_by_window(redis_url: str) -> None:
    branch = f"dr-{uuid.uuid4().hex[:8]}"
    redis = create_redis(redis_url)
    try:
        counts = TicketCounts(redis)
        now = dt.datetime.combine(dt.date.today(), dt.time(11, 0), SHANGHAI)
        await _served(counts, branch, now, 9.0, n=4)
        await _served(counts, branch, now, 9.0, n=4)  # redelivered: kept once
        recent = await counts.recent_handling(branch, now, 90)
        assert sorted(recent["general"]) == [(20.0, 9.0), (33.75, 9.0), (47.5, 9.0), (61.25, 9.0)]
        assert await counts.recent_handling(branch, now, 40) == {"general": [(33.75, 9.0), (20.0, 9.0)]}
        assert await counts.recent_handling(branch, now - dt.timedelta(minutes=30), 5) == {"general": [(3.75, 9.0)]}
        assert await counts.recent_handling(branch, now - dt.timedelta(minutes=30), 3) == {}
    finally:
        await redis.aclose()


async def test_a_drift_in_service_times_raises_the_rest_of_the_day(platform: PlatformSettings, redis_url: str) -> None:
    clock = FakeClock()  # 10:00 of today's branch day; small_instance plans 6 min a customer
    settings = staffing_settings(redis_url, replan_min_change=1)
    required: dict[str, int] = {}
    async with running_app(settings, platform, clock) as (app, client):
        redis = create_redis(redis_url)
        try:
            counts = TicketCounts(redis)
            for label, minutes in (("steady", 6.0), ("drifted", 9.6)):
                branch = f"dr-{label}-{uuid.uuid4().hex[:6]}"
                solved = await client.post("/v1/plans:solve", json=small_instance(branch), headers=MANAGER)
                assert solved.status_code == 200, solved.text
                for n in range(23):  # the arrivals so far are what the forecast said (9:00-10:00: 4+5+6+8)
                    await counts.record(branch, clock().date(), TicketStatus.ISSUED, f"i{n}", "general")
                await _served(counts, branch, clock.now, minutes)
                await app.state.intraday.replan_branch(branch)
                plan = (await client.get(f"/v1/branches/{branch}/plan", headers=MANAGER)).json()
                required[label] = _required_after(plan, "10:15")
                if label == "drifted":
                    assert plan["version"] >= 2, "the drifted times gave a new plan version"
        finally:
            await redis.aclose()
    assert required["drifted"] > required["steady"], required
