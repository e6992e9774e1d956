"""Re-plan the rest of the day from the live state, keeping what is already worked.

The remaining day (from the next interval boundary to closing) becomes a problem of its own:
the forecast is scaled by what was observed so far (``demand_factor`` per service) and the customers
queued now are added to the first interval's arrivals (an approximation: the simulator spreads them
over that interval). Whoever has started a shift keeps it (their pattern is fixed, break included);
whoever has finished or is absent is left out; the others may still be given a shift that fits.
A smaller requirement loop (fewer simulated days and rounds) keeps it near one second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from .closed_loop import Budget, DayPlan, plan_day
from .errors import InvalidInstance
from .patterns import ShiftPattern
from .problem import StaffingProblem
from .requirements import LoopSettings

INTRADAY_LOOP = LoopSettings(days=120, margin=0.015, max_rounds=6)


@dataclass(frozen=True)
class WorkedShift:
    """A shift that has started today, in minutes since midnight."""

    shift_type: str
    start_min: int
    end_min: int
    break_start_min: int | None = None
    break_end_min: int | None = None


@dataclass(frozen=True)
class LiveDay:
    now_min: int
    started: Mapping[str, WorkedShift]  # staff id -> shift under way (or done)
    absent: frozenset[str] = frozenset()
    queue: Mapping[str, int] | None = None  # customers waiting now, per service
    demand_factor: Mapping[str, float] | None = None  # observed / forecast so far, per service


def rest_of_day(problem: StaffingProblem, live: LiveDay) -> tuple[StaffingProblem, dict[str, ShiftPattern]]:
    """The remaining day as a problem, and the fixed patterns (interval indices of that problem)."""
    step = problem.interval_minutes
    first = max(0, -(-(live.now_min - problem.open_min) // step))
    if first >= problem.n_intervals:
        raise InvalidInstance("the branch is closed: nothing left to plan")
    open_min = problem.open_min + first * step
    queue = live.queue or {}
    factor = live.demand_factor or {}
    services = []
    for service in problem.services:
        rest = [a * factor.get(service.name, 1.0) for a in service.arrivals[first:]]
        rest[0] += queue.get(service.name, 0)
        services.append(replace(service, arrivals=tuple(rest)))
    fixed: dict[str, ShiftPattern] = {}
    staff = []
    for member in problem.staff:
        if member.id in live.absent:
            continue
        shift = live.started.get(member.id)
        if shift is None:
            staff.append(replace(member, available_from_min=max(member.available_from_min, open_min)))
            continue
        if shift.end_min <= open_min:
            continue  # done for the day
        end = (min(shift.end_min, problem.close_min) - open_min) // step
        has_break = shift.break_start_min is not None and shift.break_end_min is not None
        break_start = break_end = None
        if has_break and (shift.break_end_min or 0) > open_min:
            break_start = max(0, ((shift.break_start_min or 0) - open_min) // step)
            break_end = ((shift.break_end_min or 0) - open_min) // step
        pattern = ShiftPattern(shift.shift_type, 0, end, break_start, break_end, 0)
        fixed[member.id] = replace(pattern, paid_min=len(pattern.working_intervals) * step)
        staff.append(member)
    rest_problem = replace(problem, open_min=open_min, services=tuple(services), staff=tuple(staff))
    return rest_problem, fixed


def replan(
    problem: StaffingProblem, live: LiveDay, budget: Budget, *, seed: int = 0
) -> tuple[StaffingProblem, DayPlan]:
    """New plan from the next interval to closing; ``budget`` as in :func:`.closed_loop.plan_day`."""
    rest_problem, fixed = rest_of_day(problem, live)
    day = plan_day(rest_problem, budget, seed=seed, loop=INTRADAY_LOOP, max_rounds=3, fixed=fixed)
    return rest_problem, day
