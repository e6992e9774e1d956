"""Booked appointments flow into the queue's arrivals forecast and into staffing's day problem (issue 19 item 4),
against the real Redis and broker: a booked slot raises the forecast of its interval (less once a customer
checks in: their ticket is an arrival already), and staffing, reading the queue's /appointments/expected through
its adapter, plans more windows at that interval.

Fixed day through the injected clocks: nothing depends on today's date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from branchops.contracts.branch_config import BranchConfig
from branchops.devstack import TansuBroker
from branchops.state import create_redis
from services.staffing.adapters.config_store import StoredConfig
from services.staffing.adapters.queue_appointments import QueueAppointments
from services.staffing.adapters.ticket_counts import TicketCounts
from services.staffing.domain.requirements import required_windows
from services.staffing.usecases.day_planning import DayPlanner
from tests.conftest import make_platform
from tests.integration import test_queue_appointments as _appointments
from tests.integration.staffing_support import staffing_settings
from tests.integration.test_queue_api import KIOSK, QueueApp
from tests.integration.test_queue_appointments import DAY, apply, booked, local, plan

pytestmark = pytest.mark.asyncio
q = _appointments.q  # the queue app on its fixed day (real Redis and broker)
TEN = local(10, 0)


def expected_at(forecast: Any, at: dt.datetime) -> float:
    return sum(a.expected for a in forecast.arrivals if a.interval_start == at)


async def test_a_booked_slot_raises_the_forecast_of_its_interval(q: QueueApp) -> None:
    live = q.app.state.overview.live
    await apply(q, plan(q.branch, cash=4))  # 4 cash windows: 8 places per 30-minute slot
    before = await live.forecast(q.branch, q.clock())
    assert expected_at(before, TEN) == 0.0  # no history, no bookings: nothing expected at 10:00
    codes = [(await booked(q, "10:00"))["code"] for _ in range(5)]
    after = await live.forecast(q.branch, q.clock())
    assert expected_at(after, TEN) == pytest.approx(5 * 0.9, abs=0.01)  # the show share's prior (no past days)
    ten = next(a for a in after.arrivals if a.interval_start == TEN)
    assert ten.p10 < ten.expected < ten.p90
    assert expected_at(after, local(10, 15)) == 0.0  # only the slot's own interval

    q.clock.now = local(9, 40)  # check-in opens 30 minutes early: one customer arrives
    got = await q.client.post(q.url("/appointments/check-in"), json={"code": codes[0]}, headers=KIOSK)
    assert got.status_code == 201, got.text
    checked = await live.forecast(q.branch, q.clock())
    assert expected_at(checked, TEN) == pytest.approx(4 * 0.9, abs=0.01)  # their ticket is an arrival already

    expected = await q.client.get(q.url("/appointments/expected"), params={"date": str(DAY)}, headers=KIOSK)
    assert expected.status_code == 200, expected.text
    assert expected.json()["slots"] == [{"service": "cash", "start": "10:00", "booked": 4, "checked_in": 1}]
    assert expected.json()["show_share"] == pytest.approx(0.9)


def branch_config() -> BranchConfig:
    week = {d: [{"open": "09:00", "close": "12:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    return BranchConfig.model_validate(
        {
            "branch": {"name": "预约测试支行", "timezone": "Asia/Shanghai", "hours": week},
            "services": [
                {"code": "cash", "name": {"zh": "现金", "en": "Cash"}, "target_wait_min": 10, "ticket_prefix": "A"}
            ],
            "windows": [{"id": f"w{i}", "skills": ["cash"], "label": f"{i}"} for i in range(1, 7)],
            "staff": [
                {"id": f"s{i}", "display_name": "*", "skills": ["cash"], "availability": week, "absences": []}
                for i in range(1, 7)
            ],
        }
    )


async def test_staffing_plans_more_windows_where_appointments_are_booked(
    q: QueueApp, redis_url: str, session_broker: TansuBroker
) -> None:
    platform = make_platform(session_broker.bootstrap)  # the queue's: same JWT key
    await apply(q, plan(q.branch, cash=4))
    for _ in range(8):  # the slot is full: 8 customers at 10:00
        await booked(q, "10:00")
    settings = staffing_settings(redis_url, forecast_prior_per_interval=1.0, default_aht_min=7.5)
    redis = create_redis(redis_url)
    stored = StoredConfig(1, branch_config())
    try:
        source = QueueAppointments(q.client, str(q.client.base_url), platform)
        without = DayPlanner(None, TicketCounts(redis), None, None, settings, q.clock, "t")  # type: ignore[arg-type]
        with_booked = DayPlanner(
            None,  # type: ignore[arg-type]
            TicketCounts(redis),
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            settings,
            q.clock,
            "t",
            appointments=source,
        )
        plain = await without.problem(q.branch, stored, DAY, [])
        booked_problem = await with_booked.problem(q.branch, stored, DAY, [])
    finally:
        await redis.aclose()
    assert plain is not None and booked_problem is not None
    ten = 4  # the 10:00 interval of a day opening at 09:00 (15-minute intervals)
    plain_cash = plain.services[0].arrivals
    booked_cash = booked_problem.services[0].arrivals
    assert booked_cash[ten] == pytest.approx(plain_cash[ten] + 8 * 0.9)
    assert [a for i, a in enumerate(booked_cash) if i != ten] == [a for i, a in enumerate(plain_cash) if i != ten]
    need_plain = required_windows(plain)["cash"]
    need_booked = required_windows(booked_problem)["cash"]
    assert need_booked[ten] > need_plain[ten], (need_plain, need_booked)
    assert sum(need_booked) > sum(need_plain)


async def test_a_silent_queue_plans_from_the_forecast_alone(session_broker: TansuBroker) -> None:
    platform = make_platform(session_broker.bootstrap)

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"detail": "down"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        assert await QueueAppointments(http, "http://queue", platform).of_day("b1", DAY) is None
