"""Façade of the staffing domain: instance dict in, plan dict out (bench/staffing/README.md formats).

Used by the CLI (``branchops staffing solve``) and ``POST /v1/plans:solve``. The domain is pure; only
this façade reads the clock, to report ``solve_ms`` and to hand the solver what is left of the budget.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from services.staffing.domain.parse import parse_problem
from services.staffing.domain.plan import render_plan
from services.staffing.domain.problem import InvalidInstance, StaffingProblem
from services.staffing.domain.requirements import LoopSettings, required_windows
from services.staffing.domain.roster import SolverSettings, solve_roster

__all__ = ["InvalidInstance", "StaffingProblem", "parse_instance", "solve_instance", "solve_problem"]

MIN_SOLVER_SHARE_S = 0.05


def parse_instance(instance: Mapping[str, Any]) -> StaffingProblem:
    """Validate an instance dict; raises :class:`InvalidInstance` (a ValueError) with the reason."""
    return parse_problem(instance)


def solve_problem(
    problem: StaffingProblem, *, time_limit_s: float = 10.0, seed: int = 0, workers: int = 1
) -> dict[str, Any]:
    if time_limit_s <= 0:
        raise InvalidInstance(f"time_limit_s must be positive, got {time_limit_s}")
    started = time.perf_counter()
    requirement = required_windows(problem, LoopSettings(seed=seed))
    remaining = time_limit_s - (time.perf_counter() - started)
    roster = solve_roster(
        problem, requirement, SolverSettings(time_limit_s=max(remaining, MIN_SOLVER_SHARE_S), seed=seed, workers=workers)
    )
    return render_plan(problem, requirement, roster, (time.perf_counter() - started) * 1000)


def solve_instance(instance: Mapping[str, Any], *, time_limit_s: float = 10.0, seed: int = 0) -> dict[str, Any]:
    """Plan one branch-day; an unmet requirement is reported in ``shortfalls`` (status INFEASIBLE)."""
    return solve_problem(parse_instance(instance), time_limit_s=time_limit_s, seed=seed)
