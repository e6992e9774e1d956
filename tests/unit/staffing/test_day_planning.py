"""When a day is planned again (services/staffing/usecases/day_planning.py needs_plan)."""

from __future__ import annotations

from services.staffing.adapters.config_store import DayPlanMark
from services.staffing.usecases.day_planning import AHEAD, MORNING, needs_plan


def test_never_planned_is_planned() -> None:
    assert needs_plan(None, 1, AHEAD, 0)


def test_same_version_phase_and_history_is_not_planned_again() -> None:
    assert not needs_plan(DayPlanMark(3, AHEAD, 10), 3, AHEAD, 10)
    assert not needs_plan(DayPlanMark(3, MORNING, 10), 3, MORNING, 10)
    assert not needs_plan(DayPlanMark(3, MORNING, 10), 3, AHEAD, 10)


def test_a_new_version_more_history_or_the_morning_plans_again() -> None:
    assert needs_plan(DayPlanMark(3, MORNING, 10), 4, MORNING, 10)
    assert needs_plan(DayPlanMark(3, MORNING, 10), 3, MORNING, 11)
    assert needs_plan(DayPlanMark(3, AHEAD, 10), 3, MORNING, 10)
