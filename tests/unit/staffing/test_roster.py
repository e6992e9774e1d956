from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.staffing.domain.greedy import greedy_plan
from services.staffing.domain.kinds import staff_kinds
from services.staffing.domain.plan_json import plan_to_json
from services.staffing.domain.roster import SolverSettings, solve_roster
from services.staffing.solve import parse_instance, solve_problem


def _solved(instance: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The plan JSON the CLI and the routes give for ``instance``."""
    return plan_to_json(solve_problem(parse_instance(instance), **options))


def _mixed(make_small: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    instance = make_small(6)
    instance["services"]["cash"] = {"aht_min": 4.0, "arrivals": [3] * 16}
    instance["max_windows"] = 8
    instance["staff"][0]["skills"] = ["general", "cash"]
    instance["staff"][1]["skills"] = ["general", "cash"]
    instance["staff"][2]["cost_per_hour"] = 1.5
    instance["staff"][3]["skills"] = ["wealth"]  # serves nothing here
    return instance


def test_interchangeable_staff_form_one_kind(make_small: Callable[..., dict[str, Any]]) -> None:
    problem = parse_instance(_mixed(make_small))
    kinds = staff_kinds(problem)
    assert [[m.id for m in k.members] for k in kinds] == [["s01", "s02"], ["s03"], ["s05", "s06"]]
    assert kinds[0].skills == ("general", "cash")


def test_greedy_and_solver_cover_a_feasible_requirement(make_small: Callable[..., dict[str, Any]]) -> None:
    problem = parse_instance(_mixed(make_small))
    requirement: dict[str, tuple[int, ...]] = {"general": (1,) * 16, "cash": (1,) * 16}
    kinds = staff_kinds(problem)
    plan = greedy_plan(problem, kinds, requirement)
    assert sum(map(sum, plan.counts)) >= 2
    heuristic = solve_roster(problem, requirement, SolverSettings(time_limit_s=0))
    assert heuristic.status == "HEURISTIC" and not heuristic.shortfalls
    solved = solve_roster(problem, requirement, SolverSettings(time_limit_s=5))
    assert solved.status in ("OPTIMAL", "FEASIBLE") and not solved.shortfalls
    assert solved.cost <= heuristic.cost
    for assignment in solved.assignments:
        member = next(m for m in problem.staff if m.id == assignment.staff_id)
        assert {s for _, s in assignment.serving} <= set(member.skills)
        assert [i for i, _ in assignment.serving] == list(assignment.pattern.working_intervals)


def test_late_shift_goes_to_who_had_fewest(make_small: Callable[..., dict[str, Any]]) -> None:
    instance = make_small(2)
    instance["min_open_windows"] = 0
    instance["staff"][0]["late_shifts_recent"] = 5
    instance["staff"][1]["late_shifts_recent"] = 0
    instance["staff"][0]["shift_types"] = instance["staff"][1]["shift_types"] = ["2h"]
    problem = parse_instance(instance)
    roster = solve_roster(problem, {"general": (0,) * 8 + (1,) * 8}, SolverSettings(time_limit_s=2))
    assert [(a.staff_id, a.pattern.end) for a in roster.assignments] == [("s02", 16)]


def test_a_short_time_limit_still_gives_a_usable_plan(reference: dict[str, Any]) -> None:
    # How long solves take against their limit is measured in bench/staffing.py (days over the limit).
    plan = _solved(reference, time_limit_s=0.6)
    assert plan["status"] in ("OPTIMAL", "FEASIBLE", "INFEASIBLE")
    assert plan["assignments"]
    assert plan["status"] != "INFEASIBLE" or plan["shortfalls"], "an infeasible plan names its shortfalls"


def test_reference_day_plan(reference: dict[str, Any]) -> None:
    plan = _solved(reference, time_limit_s=3)
    assert plan["status"] in ("OPTIMAL", "FEASIBLE")
    assert plan["paid_hours"] < 46
