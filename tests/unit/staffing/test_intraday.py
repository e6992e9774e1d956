from __future__ import annotations

import time
from typing import Any

import pytest

from services.staffing.domain.closed_loop import Budget
from services.staffing.domain.intraday import LiveDay, WorkedShift, replan, rest_of_day
from services.staffing.solve import parse_instance


def _live() -> LiveDay:
    return LiveDay(
        now_min=12 * 60 + 10,
        started={
            "s01": WorkedShift("8h", 9 * 60, 17 * 60, 13 * 60, 14 * 60),
            "s02": WorkedShift("4h", 9 * 60, 13 * 60),
            "s03": WorkedShift("4h", 8 * 60, 12 * 60),
        },
        absent=frozenset({"s04"}),
        queue={"general": 8},
        demand_factor={"general": 1.1},
    )


def test_rest_of_day_keeps_started_shifts(reference: dict[str, Any]) -> None:
    problem = parse_instance(reference)
    rest, fixed = rest_of_day(problem, _live())
    assert rest.open_min == 12 * 60 + 15 and rest.n_intervals == 19
    assert set(fixed) == {"s01", "s02"}  # s03 is done, s04 absent
    assert {m.id for m in rest.staff} == {f"s{i:02d}" for i in range(1, 13)} - {"s03", "s04"}
    assert fixed["s01"].break_start == 3 and fixed["s01"].break_end == 7 and fixed["s02"].end == 3
    assert rest.services[0].arrivals[0] == pytest.approx(problem.services[0].arrivals[13] * 1.1 + 8)


def test_replan_fixes_what_is_worked(reference: dict[str, Any]) -> None:
    problem = parse_instance(reference)
    started = time.perf_counter()
    budget = Budget(remaining=lambda: 1.0 - (time.perf_counter() - started), total_s=1.0)
    _, day = replan(problem, _live(), budget)
    by_id = {a.staff_id: a for a in day.roster.assignments}
    assert by_id["s01"].pattern.end == 19 and by_id["s02"].pattern.end == 3
    assert "s03" not in by_id and "s04" not in by_id
    assert len(by_id) >= 8  # everyone still free can be called in; what cannot be covered is named
    assert all(s.missing_windows > 0 for s in day.roster.shortfalls)
