from __future__ import annotations

from typing import Any

import pytest

from services.staffing.domain.alerts import ServiceNow
from services.staffing.domain.live import (
    ArrivalPoint,
    ForecastView,
    WindowState,
    demand_factors,
    floor_now,
    significant_change,
    started_shifts,
    with_arrival_forecast,
)
from services.staffing.solve import parse_instance
from tests.unit.staffing.plans import typed_plan

BASE = ForecastView(waits={"general": 6.0}, waiting={"general": 5}, arrivals_total=40)


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (ForecastView({"general": 6.5}, {"general": 5}, 40), False),
        (ForecastView({"general": 11.0}, {"general": 5}, 40), True),  # crosses the 10 min target
        (ForecastView({"general": 6.0}, {"general": 12}, 40), True),
        (ForecastView({"general": 6.0}, {"general": 5}, 80), True),
        (ForecastView({"general": 6.0, "cash": 3.0}, {"general": 5, "cash": 1}, 40), True),
    ],
)
def test_significant_change(new: ForecastView, expected: bool) -> None:
    assert significant_change(BASE, new, 10.0, 0.3) is expected
    assert significant_change(None, new, 10.0, 0.3)


def test_arrival_forecast_replaces_matching_intervals(make_small: Any) -> None:
    problem = parse_instance(make_small())
    points = [
        ArrivalPoint(10 * 60, 20.0, "general"),
        ArrivalPoint(10 * 60 + 15, 7.0, None),
        ArrivalPoint(8 * 60, 99.0, "general"),
        ArrivalPoint(10 * 60, 1.0, "fx"),
    ]
    arrivals = with_arrival_forecast(problem, points).services[0].arrivals
    assert arrivals[4] == 20.0 and arrivals[5] == 7.0 and arrivals[0] == 4
    assert with_arrival_forecast(problem, []) is problem


def test_demand_factor_is_bounded_and_needs_evidence(make_small: Any) -> None:
    problem = parse_instance(make_small())  # 4 + 5 + 6 + 8 = 23 expected by 10:00
    assert demand_factors(problem, {"general": 46}, 10 * 60) == {"general": 2.0}
    assert demand_factors(problem, {"general": 23}, 10 * 60) == {"general": 1.0}
    assert demand_factors(problem, {"general": 3}, 9 * 60 + 15) == {}  # 4 expected: too few to judge


PLAN = typed_plan(
    assignments=[
        {
            "staff_id": "s01",
            "shift_type": "4h",
            "start": "09:00",
            "end": "13:00",
            "breaks": [{"start": "10:30", "end": "11:00"}],
            "serving": [],
        },
        {
            "staff_id": "s02",
            "shift_type": "4h",
            "start": "09:00",
            "end": "13:00",
            "breaks": [{"start": "09:45", "end": "10:15"}],
            "serving": [],
        },
        {"staff_id": "s03", "shift_type": "2h", "start": "11:00", "end": "13:00", "breaks": [], "serving": []},
    ]
)


def test_started_shifts_from_the_plan() -> None:
    started = started_shifts(PLAN, 10 * 60)
    assert set(started) == {"s01", "s02"}
    assert started["s01"].break_start_min == 10 * 60 + 30 and started["s01"].end_min == 13 * 60


def test_floor_from_windows_and_plan(make_small: Any) -> None:
    problem = parse_instance(make_small())
    windows = [WindowState("w1", "open", "s01", ("general",)), WindowState("w2", "closed")]
    floor = floor_now(problem, PLAN, windows, [ServiceNow("general", 8, 14.0)], 10 * 60, {"s01": "general"})
    status = {s.staff_id: s.status for s in floor.staff}
    assert status == {
        "s01": "serving",
        "s02": "on_break",
        "s03": "off_duty",
        "s04": "off_duty",
        "s05": "off_duty",
        "s06": "off_duty",
    }
    assert [(w.window_id, w.is_open, w.service) for w in floor.windows] == [
        ("w1", True, "general"),
        ("w2", False, None),
    ]
    assert next(s for s in floor.staff if s.staff_id == "s01").break_starts_min == 10 * 60 + 30
    assert floor.target_wait_min == 10.0
