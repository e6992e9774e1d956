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

Verified on the floor (``floor`` given: a mixed-skill day, :mod:`.domain.verified_day`): the roster is
planned by :func:`.domain.verified_roster.plan_verified` instead of the closed loop; CP-SAT stops on its
deterministic time, so the plan repeats for a seed unless the budget ends the rounds (``should_stop`` once
``VERIFY_ROUNDS_SHARE`` of the budget is gone) or a solve hits its wall-clock net (then
``verification.reproducible`` and ``stable`` are False). The plan carries the verification record.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from services.staffing.domain.closed_loop import Budget, plan_day
from services.staffing.domain.errors import InvalidInstance
from services.staffing.domain.intraday import LiveDay, replan
from services.staffing.domain.parse import parse_problem
from services.staffing.domain.plan import Plan
from services.staffing.domain.problem import StaffingProblem
from services.staffing.domain.render import render_plan
from services.staffing.domain.verified_day import verification_record
from services.staffing.domain.verified_roster import VerifySettings, plan_verified
from services.staffing.domain.verify import FloorModel

__all__ = [
    "FloorModel",
    "InvalidInstance",
    "LiveDay",
    "Plan",
    "StaffingProblem",
    "parse_instance",
    "replan_problem",
    "solve_problem",
]
VERIFY_ROUNDS_SHARE = 0.6  # no further repair / relax round once this share of the budget is gone


def parse_instance(instance: Mapping[str, Any]) -> StaffingProblem:
    """Validate an instance dict; raises :class:`InvalidInstance` (a ValueError) with the reason."""
    return parse_problem(instance)


def _budget(time_limit_s: float, started: float) -> Budget:
    return Budget(remaining=lambda: time_limit_s - (time.perf_counter() - started), total_s=time_limit_s)


def solve_problem(
    problem: StaffingProblem,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    workers: int = 1,
    floor: FloorModel | None = None,
    verify_days: int = 120,
) -> Plan:
    """Plan one branch-day; an unmet requirement is reported in ``shortfalls`` (status INFEASIBLE).

    ``floor``: verify the roster on that floor model with ``verify_days`` replications (mixed-skill days).
    """
    if time_limit_s <= 0:
        raise InvalidInstance(f"time_limit_s must be positive, got {time_limit_s}")
    started = time.perf_counter()
    if floor is not None:
        return _solve_verified(problem, floor, time_limit_s, seed, verify_days, started)
    day = plan_day(problem, _budget(time_limit_s, started), seed=seed, workers=workers)
    return render_plan(
        problem,
        day.requirement,
        day.roster,
        solve_ms=(time.perf_counter() - started) * 1000,
        loop_rounds=day.rounds,
        stable=day.stable,
    )


def _solve_verified(
    problem: StaffingProblem, floor: FloorModel, time_limit_s: float, seed: int, days: int, started: float
) -> Plan:
    settings = VerifySettings(
        days=days, seed=seed, solve_time_limit_s=min(VerifySettings().solve_time_limit_s, time_limit_s)
    )
    verified = plan_verified(
        problem,
        floor,
        settings,
        should_stop=lambda: time.perf_counter() - started >= VERIFY_ROUNDS_SHARE * time_limit_s,
    )
    plan = render_plan(
        problem,
        verified.requirement,
        verified.roster,
        solve_ms=(time.perf_counter() - started) * 1000,
        loop_rounds=len(verified.rounds),
        stable=verified.reproducible,
    )
    return replace(plan, verification=verification_record(problem, verified))


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
