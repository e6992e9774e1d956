"""Façade of the staffing domain: instance dict in, plan dict out (bench/staffing/README.md formats).

Used by the CLI (``branchops staffing solve``) and ``POST /v1/plans:solve``. The domain is pure; only
this façade reads the clock: it hands the domain a :class:`Budget` (seconds left of ``time_limit_s``)
that is split explicitly: requirement loop (stops trimming once a quarter of the budget is gone), the
first roster (half of what is left), then rounds of the closed loop (half of what is left each), with
8% kept back for rendering and the solver's overshoot.

Determinism: the same instance and seed give the same plan when every CP-SAT call ends on optimality
or the gap and the loop ends before the budget (``plan["stable"]``). When the budget cuts a solve or
the loop short, the plan depends on the machine's speed; ``stable`` is then False.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from services.staffing.domain.closed_loop import Budget, plan_day
from services.staffing.domain.intraday import LiveDay, replan
from services.staffing.domain.parse import parse_problem
from services.staffing.domain.plan import render_plan
from services.staffing.domain.problem import InvalidInstance, StaffingProblem

__all__ = ["InvalidInstance", "LiveDay", "StaffingProblem", "parse_instance", "replan_problem", "solve_instance",
           "solve_problem"]


def parse_instance(instance: Mapping[str, Any]) -> StaffingProblem:
    """Validate an instance dict; raises :class:`InvalidInstance` (a ValueError) with the reason."""
    return parse_problem(instance)


def solve_problem(
    problem: StaffingProblem, *, time_limit_s: float = 10.0, seed: int = 0, workers: int = 1
) -> dict[str, Any]:
    if time_limit_s <= 0:
        raise InvalidInstance(f"time_limit_s must be positive, got {time_limit_s}")
    started = time.perf_counter()
    budget = Budget(remaining=lambda: time_limit_s - (time.perf_counter() - started), total_s=time_limit_s)
    day = plan_day(problem, budget, seed=seed, workers=workers)
    plan = render_plan(problem, day.requirement, day.roster, (time.perf_counter() - started) * 1000)
    plan["loop_rounds"], plan["stable"] = day.rounds, day.stable
    return plan


def solve_instance(
    instance: Mapping[str, Any], *, time_limit_s: float = 10.0, seed: int = 0, workers: int = 1
) -> dict[str, Any]:
    """Plan one branch-day; an unmet requirement is reported in ``shortfalls`` (status INFEASIBLE)."""
    return solve_problem(parse_instance(instance), time_limit_s=time_limit_s, seed=seed, workers=workers)


def replan_problem(problem: StaffingProblem, live: LiveDay, *, time_limit_s: float = 1.0, seed: int = 0) -> dict[str, Any]:
    """Plan from the next interval to closing (intraday); the plan covers only that rest of the day."""
    started = time.perf_counter()
    budget = Budget(remaining=lambda: time_limit_s - (time.perf_counter() - started), total_s=time_limit_s)
    rest, day = replan(problem, live, budget, seed=seed)
    plan = render_plan(rest, day.requirement, day.roster, (time.perf_counter() - started) * 1000)
    plan["loop_rounds"], plan["stable"] = day.rounds, day.stable
    return plan
