"""The day's problem from a branch configuration (services/staffing/domain/from_config.py): fixed dates only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from branchops.contracts.branch_config import BranchConfig
from services.staffing.domain.errors import InvalidInstance
from services.staffing.domain.from_config import PlanningRules, opening_hours, problem_from_config
from services.staffing.solve import solve_problem

MONDAY = dt.date(2026, 11, 30)
SATURDAY = dt.date(2026, 12, 5)
SUNDAY = dt.date(2026, 12, 6)


def config(**changes: Any) -> BranchConfig:
    weekdays = {d: [{"open": "09:00", "close": "17:00"}] for d in ("mon", "tue", "wed", "thu", "fri")}
    doc: dict[str, Any] = {
        "branch": {
            "name": "测试支行",
            "timezone": "Asia/Shanghai",
            "hours": {**weekdays, "sat": [{"open": "09:00", "close": "12:00"}, {"open": "13:00", "close": "15:10"}]},
            "holidays": [{"date": "2026-12-01", "name": "closed"}],
        },
        "services": [
            {"code": "general", "name": {"zh": "综合", "en": "General"}, "target_wait_min": 12, "ticket_prefix": "B"},
            {"code": "cash", "name": {"zh": "现金", "en": "Cash"}, "target_wait_min": 8, "ticket_prefix": "A"},
        ],
        "windows": [
            {"id": "w1", "skills": ["general"], "label": "1"},
            {"id": "w2", "skills": ["cash", "general"], "label": "2"},
            {"id": "w3", "skills": ["cash"], "label": "3"},
        ],
        "staff": [
            {"id": "s1", "display_name": "A", "skills": ["general"], "availability": weekdays},
            {"id": "s2", "display_name": "B", "skills": ["cash", "general"], "availability": weekdays},
            {
                "id": "s3",
                "display_name": "C",
                "skills": ["cash"],
                "availability": {"mon": [{"open": "11:00", "close": "20:00"}]},
                "absences": [{"start": "2026-12-02", "end": "2026-12-03"}],
            },
            {"id": "s4", "display_name": "D", "skills": ["cash"], "max_minutes_per_day": 240, "availability": weekdays},
            {
                "id": "s5",
                "display_name": "E",
                "skills": ["general"],
                "max_minutes_per_day": 60,
                "availability": weekdays,
            },
        ],
    }
    doc.update(changes)
    return BranchConfig.model_validate(doc)


def flat(n: float = 4.0, intervals: int = 32) -> dict[str, list[float]]:
    return {"general": [n] * intervals, "cash": [n / 2] * intervals}


def test_weekday_hours_become_the_problem_day() -> None:
    problem = problem_from_config("b1", config(), MONDAY, flat(), {"general": 7.0})
    assert problem is not None
    assert (problem.date, problem.open_min, problem.close_min, problem.n_intervals) == ("2026-11-30", 540, 1020, 32)
    assert problem.service_level.target_wait_min == 8.0  # the strictest service's target
    assert problem.max_windows == 3 and problem.min_open_windows == 1
    assert {s.name: s.aht_min for s in problem.services} == {"general": 7.0, "cash": 6.0}  # default for cash
    assert [t.name for t in problem.shift_types] == ["full", "half"]
    assert problem.shift_type("full").break_min == 60


def test_holidays_and_days_without_hours_are_closed() -> None:
    assert problem_from_config("b1", config(), dt.date(2026, 12, 1), flat(), {}) is None  # holiday (a Tuesday)
    assert problem_from_config("b1", config(), SUNDAY, flat(), {}) is None
    assert opening_hours(config(), SUNDAY) is None


def test_split_hours_are_one_day_on_the_grid() -> None:
    assert opening_hours(config(), SATURDAY) == (540, 900)  # 09:00 .. 15:10 rounded down to 15:00
    problem = problem_from_config("b1", config(), SATURDAY, flat(intervals=24), {})
    assert problem is not None and problem.n_intervals == 24
    # a 6-hour day: the full shift is the whole day, no half shift of the same length
    assert [(t.name, t.length_min) for t in problem.shift_types] == [("full", 360), ("half", 240)]


def test_staff_availability_absence_and_limits() -> None:
    monday = problem_from_config("b1", config(), MONDAY, flat(), {})
    assert monday is not None
    by_id = {m.id: m for m in monday.staff}
    assert sorted(by_id) == ["s1", "s2", "s3", "s4"]  # s5: 60 min a day fits no shift
    assert (by_id["s3"].available_from_min, by_id["s3"].available_to_min) == (660, 1020)  # cut at closing
    assert by_id["s4"].shift_types == ("half",)  # 240 min a day: the half shift only
    assert by_id["s2"].skills == ("cash", "general")
    wednesday = problem_from_config("b1", config(), dt.date(2026, 12, 2), flat(), {})
    assert wednesday is not None
    assert "s3" not in {m.id for m in wednesday.staff}  # absent (and not available on Wednesdays anyway)


def test_absence_removes_a_person_only_on_its_days() -> None:
    base = config()
    doc = base.model_dump(mode="json")
    doc["staff"][0]["absences"] = [{"start": "2026-11-30", "end": "2026-11-30"}]
    absent = BranchConfig.model_validate(doc)
    monday = problem_from_config("b1", absent, MONDAY, flat(), {})
    tuesday_next = problem_from_config("b1", absent, dt.date(2026, 12, 8), flat(), {})
    assert monday is not None and tuesday_next is not None
    assert "s1" not in {m.id for m in monday.staff}
    assert "s1" in {m.id for m in tuesday_next.staff}


def test_a_late_arrival_is_available_from_its_time_that_day_only() -> None:
    doc = config().model_dump(mode="json")
    doc["staff"][0]["absences"] = [{"start": "2026-11-30", "end": "2026-11-30", "arrives_at": "10:40"}]
    late = BranchConfig.model_validate(doc)
    monday = problem_from_config("b1", late, MONDAY, flat(), {})
    tuesday_next = problem_from_config("b1", late, dt.date(2026, 12, 8), flat(), {})
    assert monday is not None and tuesday_next is not None
    s1 = next(m for m in monday.staff if m.id == "s1")  # not absent: present from 10:40
    assert (s1.available_from_min, s1.available_to_min) == (10 * 60 + 40, 17 * 60)
    assert next(m for m in tuesday_next.staff if m.id == "s1").available_from_min == 9 * 60
    doc["staff"][0]["absences"][0]["arrives_at"] = "17:30"  # comes after closing: not there that day
    after_closing = problem_from_config("b1", BranchConfig.model_validate(doc), MONDAY, flat(), {})
    assert after_closing is not None and "s1" not in {m.id for m in after_closing.staff}


def test_forecast_is_padded_or_cut_to_the_day() -> None:
    problem = problem_from_config("b1", config(), MONDAY, {"general": [3.0] * 40}, {})
    assert problem is not None
    assert {s.name: len(s.arrivals) for s in problem.services} == {"general": 32, "cash": 32}
    assert sum(next(s for s in problem.services if s.name == "cash").arrivals) == 0


def test_no_arrivals_at_all_is_refused() -> None:
    with pytest.raises(InvalidInstance, match="no arrivals"):
        problem_from_config("b1", config(), MONDAY, {}, {})


def test_the_problem_solves_and_staffs_only_the_people_present() -> None:
    problem = problem_from_config("b1", config(), MONDAY, flat(6.0), {}, PlanningRules(target_fraction=0.8))
    assert problem is not None
    plan = solve_problem(problem, time_limit_s=5.0)
    assert plan.assignments
    assert {a.staff_id for a in plan.assignments} <= {"s1", "s2", "s3", "s4"}
