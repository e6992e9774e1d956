"""Staffing from the branch configuration with the real broker and Redis: a branch-config.v1 event is kept
and becomes a published plan of the day; a new version with an absence gives a new plan version without
that person; a burst of versions is re-planned once or twice, not once each (debounce). Fixed dates."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from branchops.bus import EventPublisher
from branchops.contracts import topics
from branchops.contracts.branch_config import BranchConfig
from branchops.contracts.enums import Channel, ServiceName, TicketStatus, WindowState
from branchops.contracts.events import BranchConfigChanged, ChangedBy, Ticket, Window
from branchops.settings import PlatformSettings, Role
from branchops.state import create_redis
from services.staffing.adapters.live_store import LiveStore
from services.staffing.adapters.ticket_counts import TicketCounts
from tests.conftest import api_key
from tests.integration.kafka_helpers import read_topic, wait_for
from tests.integration.staffing_support import SHANGHAI, FakeClock, running_app, staffing_settings

MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
_TODAY = dt.date.today()
DAY = _TODAY - dt.timedelta(days=_TODAY.weekday() + 7)  # last week's Monday: any day works, the clock is injected


def config(
    absent: tuple[str, ...] = (), name: str = "集成测试支行", late: dict[str, str] | None = None
) -> BranchConfig:
    week = {d: [{"open": "09:00", "close": "13:00"}] for d in ("mon", "tue", "wed", "thu", "fri")}
    return BranchConfig.model_validate(
        {
            "branch": {"name": name, "timezone": "Asia/Shanghai", "hours": week},
            "services": [
                {
                    "code": "general",
                    "name": {"zh": "综合", "en": "General"},
                    "target_wait_min": 10,
                    "ticket_prefix": "B",
                }
            ],
            "windows": [{"id": f"w{i}", "skills": ["general"], "label": f"{i}"} for i in range(1, 5)],
            "staff": [
                {
                    "id": f"s{i}",
                    "display_name": "*",
                    "skills": ["general"],
                    "availability": week,
                    "absences": [{"start": DAY.isoformat(), "end": DAY.isoformat()}]
                    if f"s{i}" in absent
                    else [{"start": DAY.isoformat(), "end": DAY.isoformat(), "arrives_at": (late or {})[f"s{i}"]}]
                    if f"s{i}" in (late or {})
                    else [],
                }
                for i in range(1, 5)
            ],
        }
    )


def change(branch: str, version: int, cfg: BranchConfig) -> BranchConfigChanged:
    return BranchConfigChanged(
        branch_id=branch,
        at=dt.datetime.combine(DAY, dt.time(1, 0, version), dt.UTC),
        version=version,
        changed_by=ChangedBy(subject="test", role="manager"),
        config=cfg,
    )


def past_tickets(branch: str) -> list[Ticket]:
    """Two past Mondays with a busy 10:00-11:00 and a quiet rest of the morning."""
    out = []
    for weeks in (1, 2):
        day = DAY - dt.timedelta(weeks=weeks)
        for n in range(60):
            minute = 60 + n % 60 if n < 48 else 150 + n  # 48 between 10:00 and 11:00, 12 later
            at = dt.datetime.combine(day, dt.time(9, 0), SHANGHAI) + dt.timedelta(minutes=minute)
            out.append(
                Ticket(
                    branch_id=branch,
                    at=at,
                    ticket_id=f"h{weeks}-{n}",
                    number=f"B{n + 1:03d}",
                    service=ServiceName.GENERAL,
                    status=TicketStatus.ISSUED,
                    channel=Channel.KIOSK,
                )
            )
    return out


async def plan_of(client: Any, branch: str) -> dict[str, Any] | None:
    answer = await client.get(f"/v1/branches/{branch}/plan", params={"day": DAY.isoformat()}, headers=MANAGER)
    return answer.json() if answer.status_code == 200 else None


async def test_config_event_plans_the_day_and_an_absence_replans_it(platform: PlatformSettings, redis_url: str) -> None:
    branch = f"cf-{uuid.uuid4().hex[:8]}"
    now = dt.datetime.combine(DAY, dt.time(9, 30), SHANGHAI)  # the clock stands still at 09:30 of DAY
    settings = staffing_settings(
        redis_url, dayplan_tick_s=0.2, config_debounce_s=0.3, config_min_gap_s=0.5, config_solve_time_limit_s=2.0
    )
    async with running_app(settings, platform, FakeClock(now)) as (app, client):
        publisher = EventPublisher(platform, source="branchops/records/test")
        await publisher.start()
        try:
            for ticket in past_tickets(branch):
                await publisher.publish(topics.TICKETS, ticket)
            counts = app.state.day_planner.counts
            days = [DAY - dt.timedelta(weeks=2), DAY - dt.timedelta(weeks=1)]

            async def history_in() -> bool:
                arrivals, _ = await counts.history(branch, days)
                return sum(sum(d.values()) for d in arrivals.values()) == 120

            await wait_for(history_in, 30, "the past tickets in the history")
            await publisher.publish(topics.BRANCH_CONFIG, change(branch, 1, config()))

            async def stored() -> bool:
                found = await app.state.day_planner.configs.get(branch)
                return found is not None and found.version == 1

            await wait_for(stored, 20, "the configuration kept")
            first: dict[str, Any] = {}

            async def planned() -> bool:
                first.update(await plan_of(client, branch) or {})
                return bool(first)

            await wait_for(planned, 30, "the day's plan")
            assert first["date"] == DAY.isoformat() and first["version"] == 1
            assert {i["start"] for i in first["intervals"]} >= {"09:00", "12:45"}
            people = {a["staff_id"] for a in first["assignments"]}
            assert "s1" in people, first["assignments"]  # the busy hour needs everyone available
            busy = next(i for i in first["intervals"] if i["start"] == "10:15")
            quiet = next(i for i in first["intervals"] if i["start"] == "12:30")
            assert busy["required"]["general"] > quiet["required"]["general"]  # the forecast came from history
            instance = await app.state.planning.plans.instance(branch)
            assert instance is not None and instance.date == DAY.isoformat()  # the intraday loop's base

            await publisher.publish(topics.BRANCH_CONFIG, change(branch, 2, config(absent=("s1",))))
            second: dict[str, Any] = {}

            async def replanned() -> bool:
                second.update(await plan_of(client, branch) or {})
                return second.get("version", 0) > first["version"]

            await wait_for(replanned, 30, "a new plan version")
            assert "s1" not in {a["staff_id"] for a in second["assignments"]}
            records = await read_topic(
                platform.kafka_bootstrap,
                topics.STAFFING_PLAN.name,
                expect=0,
                until=lambda rs: sum(json.loads(r.value)["subject"] == branch for r in rs) >= 2,
            )
            versions = [
                json.loads(r.value)["data"]["version"] for r in records if json.loads(r.value)["subject"] == branch
            ]
            assert versions[:2] == [1, 2]

            # an old version redelivered changes nothing; a burst of versions costs one or two solves
            await publisher.publish(topics.BRANCH_CONFIG, change(branch, 1, config()))
            for version in range(3, 9):
                await publisher.publish(topics.BRANCH_CONFIG, change(branch, version, config(name=f"v{version}")))

            async def last_kept() -> bool:
                found = await app.state.day_planner.configs.get(branch)
                mark = await app.state.day_planner.configs.mark(branch, DAY.isoformat())
                return found is not None and found.version == 8 and mark is not None and mark.version == 8

            await wait_for(last_kept, 30, "the burst's last version planned")
            final = await plan_of(client, branch)
            assert final is not None
            assert 3 <= final["version"] <= 4, final["version"]
            assert "s1" in {a["staff_id"] for a in final["assignments"]}  # the absence was taken back in v3
        finally:
            await publisher.stop()


async def test_history_keeps_first_issue_and_handling_time_and_old_window_states_change_nothing(
    redis_url: str,
) -> None:
    branch = f"hi-{uuid.uuid4().hex[:8]}"
    redis = create_redis(redis_url)
    try:
        counts, live = TicketCounts(redis), LiveStore(redis)
        opened = dt.datetime.combine(DAY, dt.time(9, 5), SHANGHAI)

        def at(minutes: float, status: TicketStatus) -> Ticket:
            return Ticket(
                branch_id=branch,
                at=opened + dt.timedelta(minutes=minutes),
                ticket_id="t1",
                number="B001",
                service=ServiceName.GENERAL,
                status=status,
                channel=Channel.KIOSK,
            )

        zone = ZoneInfo("Asia/Shanghai")
        for ticket in (
            at(0, TicketStatus.ISSUED),
            at(3, TicketStatus.CALLED),
            at(4, TicketStatus.SERVING),
            at(10, TicketStatus.COMPLETED),
            at(11, TicketStatus.ISSUED),  # a redelivery or an undo: the first issue minute stays
            at(10, TicketStatus.COMPLETED),  # redelivered
        ):
            await counts.record_history(ticket, zone)
        assert await counts.history_days(branch, DAY - dt.timedelta(days=1), DAY) == [DAY]
        arrivals, handled = await counts.history(branch, [DAY])
        assert arrivals == {DAY: {("general", 545): 1}}
        assert handled == {"general": [6.0]}

        def window(minutes: int, state: WindowState) -> Window:
            return Window(
                branch_id=branch, at=opened + dt.timedelta(minutes=minutes), window_id="w1", state=state, skills=[]
            )

        await live.put_window(window(60, WindowState.OPEN))
        await live.put_window(window(-60 * 24, WindowState.CLOSED))  # yesterday's, backfilled late
        assert [w.state for w in await live.windows(branch)] == ["open"]
        await live.put_window(window(61, WindowState.CLOSED))
        assert [w.state for w in await live.windows(branch)] == ["closed"]
    finally:
        await redis.aclose()


async def test_today_ahead_then_at_opening_and_tomorrow_at_the_set_hour(
    platform: PlatformSettings, redis_url: str
) -> None:
    branch = f"sc-{uuid.uuid4().hex[:8]}"
    clock = FakeClock(dt.datetime.combine(DAY, dt.time(7, 30), SHANGHAI))
    settings = staffing_settings(
        redis_url, dayplan_tick_s=3600, config_debounce_s=600, plan_tomorrow_at="18:00", config_solve_time_limit_s=2.0
    )
    async with running_app(settings, platform, clock) as (app, client):
        planner = app.state.day_planner
        assert await planner.on_config(change(branch, 1, config()))
        assert not await planner.on_config(change(branch, 1, config()))  # the same version again: nothing
        ahead = [(p.date, p.version) for p in await planner.plan_branch(branch)]  # 07:30: today, not tomorrow yet
        if not ahead:  # the service's own loop (its first round runs at start, late under load) planned it first
            for _ in range(600):
                found = await plan_of(client, branch)
                if found is not None:
                    ahead = [(found["date"], found["version"])]
                    break
                await asyncio.sleep(0.1)
        assert ahead == [(DAY.isoformat(), 1)]
        assert await planner.plan_branch(branch) == []  # nothing new: no second plan
        clock.advance(hours=1, minutes=30)  # 09:00, the branch opens
        morning = await planner.plan_branch(branch)
        assert [(p.date, p.version) for p in morning] == [(DAY.isoformat(), 2)]
        clock.advance(hours=9, minutes=5)  # 18:05: tomorrow (a Tuesday) is planned ahead
        evening = await planner.plan_branch(branch)
        tomorrow = (DAY + dt.timedelta(days=1)).isoformat()
        assert [(p.date, p.version) for p in evening] == [(tomorrow, 1)]
        answer = await client.get(f"/v1/branches/{branch}/plan", params={"day": tomorrow}, headers=MANAGER)
        assert answer.status_code == 200 and answer.json()["version"] == 1
        instance = await app.state.planning.plans.instance(branch)
        assert instance is not None and instance.date == DAY.isoformat()  # tomorrow's is not today's base
        clock.advance(days=4)  # Friday 18:05: Saturday is closed (no hours): no plan for it
        assert [p.date for p in await planner.plan_branch(branch)] == [(DAY + dt.timedelta(days=4)).isoformat()]


async def test_a_late_arrival_gives_a_plan_that_starts_them_later(platform: PlatformSettings, redis_url: str) -> None:
    branch = f"la-{uuid.uuid4().hex[:8]}"
    now = dt.datetime.combine(DAY, dt.time(8, 30), SHANGHAI)  # before opening: the whole day is planned
    settings = staffing_settings(
        redis_url, dayplan_tick_s=0.2, config_debounce_s=0.3, config_min_gap_s=0.5, config_solve_time_limit_s=2.0
    )
    async with running_app(settings, platform, FakeClock(now)) as (app, client):
        planner = app.state.day_planner
        assert await planner.on_config(change(branch, 1, config()))
        first = (await planner.plan_branch(branch))[0]
        starts = {a.staff_id: a.start for a in first.assignments}
        assert starts.get("s1") is not None and starts["s1"] < "11:00", starts
        assert await planner.on_config(change(branch, 2, config(late={"s1": "11:00"})))
        second = (await planner.plan_branch(branch))[-1]
        assert second.version > first.version
        later = {a.staff_id: a.start for a in second.assignments}
        assert "s1" not in later or later["s1"] >= "11:00", later
        answer = await plan_of(client, branch)
        assert answer is not None and answer["version"] == second.version
