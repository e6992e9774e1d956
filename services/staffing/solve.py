"""Façade of the staffing domain: a parsed problem in, a typed plan out (bench/staffing/README.md formats).

Used by the CLI (``branchops staffing solve``) and the service's solver pool; each parses the instance
once at its edge (:func:`parse_instance`) and serialises the plan there (:mod:`.domain.plan_json`).
The domain is pure; only this façade reads the clock: it hands the domain a :class:`Budget` (seconds
left of ``time_limit_s``) that is split explicitly: requirement loop (stops trimming once a quarter of
the budget is gone), the first roster (half of what is left), then rounds of the closed loop (half of
what is left each), with 8% kept back for rendering and the solver's overshoot.

Determinism: the same instance and seed give the same plan when every CP-SAT call ends on optimality
or the gap and the loop ends before the budget (``plan.stats.stable``). When the budget cuts a solve
or the loop short, the plan depends on the machine's speed; ``stable`` is then False.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from services.staffing.domain.closed_loop import Budget, plan_day
from services.staffing.domain.errors import InvalidInstance
from services.staffing.domain.intraday import LiveDay, replan
from services.staffing.domain.parse import parse_problem
from services.staffing.domain.plan import Plan
from services.staffing.domain.problem import StaffingProblem
from services.staffing.domain.render import render_plan

__all__ = ["InvalidInstance", "LiveDay", "Plan", "StaffingProblem", "parse_instance", "replan_problem", "solve_problem"]


def parse_instance(instance: Mapping[str, Any]) -> StaffingProblem:
    """Validate an instance dict; raises :class:`InvalidInstance` (a ValueError) with the reason."""
    return parse_problem(instance)


def _budget(time_limit_s: float, started: float) -> Budget:
    return Budget(remaining=lambda: time_limit_s - (time.perf_counter() - started), total_s=time_limit_s)


def solve_problem(problem: StaffingProblem, *, time_limit_s: float = 10.0, seed: int = 0, workers: int = 1) -> Plan:
    """Plan one branch-day; an unmet requirement is reported in ``shortfalls`` (status INFEASIBLE)."""
    if time_limit_s <= 0:
        raise InvalidInstance(f"time_limit_s must be positive, got {time_limit_s}")
    started = time.perf_counter()
    day = plan_day(problem, _budget(time_limit_s, started), seed=seed, workers=workers)
    return render_plan(
        problem,
        day.requirement,
        day.roster,
        solve_ms=(time.perf_counter() - started) * 1000,
        loop_rounds=day.rounds,
        stable=day.stable,
    )


def replan_problem(problem: StaffingProblem, live: LiveDay, *, time_limit_s: float = 1.0, seed: int = 0) -> Plan:
    """Plan from the next interval to closing (intraday); the plan covers only that rest of the day."""
    started = time.perf_counter()
    rest, day = replan(problem, live, _budget(time_limit_s, started), seed=seed)
    return render_plan(
        rest,
        day.requirement,
        day.roster,
        solve_ms=(time.perf_counter() - started) * 1000,
        loop_rounds=day.rounds,
        stable=day.stable,
    )
