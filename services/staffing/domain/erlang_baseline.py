"""Baseline for issue 23: pyworkforce-style sizing, one service at a time, no shared staff.

Per service and interval the fewest windows whose stationary Erlang C service level reaches the target
(:func:`.erlang.erlang_c_windows`), then per service independently the cheapest set of shifts covering
that requirement (CP-SAT over the day's shift patterns, paid minutes as the cost, no staff names and
no skills: every window is dedicated to its service). Written here from the textbook method; the
pyworkforce package is not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .erlang import erlang_c_windows
from .patterns import staff_patterns
from .problem import Requirement, StaffingProblem, StaffMember
from .verify import Customers, FloorModel, Verification, floor_from_counts, verify_floor


@dataclass(frozen=True)
class DedicatedRoster:
    requirement: Requirement
    open_windows: Requirement  # per service and interval: windows its shifts open
    paid_hours: float
    shifts: int
    status: str  # worst CP-SAT status over the services


def erlang_requirement(problem: StaffingProblem) -> Requirement:
    level = problem.service_level
    return {
        s.name: tuple(
            erlang_c_windows(
                a,
                s.aht_min,
                problem.interval_minutes,
                level.target_wait_min,
                level.target_fraction,
                problem.max_windows,
            )
            for a in s.arrivals
        )
        for s in problem.services
    }


def _patterns(problem: StaffingProblem) -> list[tuple[tuple[int, ...], int]]:
    """Distinct (working intervals, paid minutes) of every shift type over the whole opening day."""
    anyone = StaffMember(
        id="any",
        skills=problem.service_names,
        shift_types=tuple(t.name for t in problem.shift_types),
        available_from_min=problem.open_min,
        available_to_min=problem.close_min,
    )
    seen = {(p.working_intervals, p.paid_min) for p in staff_patterns(problem, anyone)}
    return sorted(seen)


def dedicated_cover(
    problem: StaffingProblem, requirement: Requirement, *, seed: int = 0, time_limit_s: float = 5.0
) -> DedicatedRoster:
    """Cheapest shifts (paid hours) covering each service's requirement on its own."""
    patterns = _patterns(problem)
    opened: dict[str, tuple[int, ...]] = {}
    paid_min = shifts = 0
    statuses = []
    for name, need in requirement.items():
        model = cp_model.CpModel()
        ys = [model.new_int_var(0, max(need, default=0), f"y{p}") for p in range(len(patterns))]
        for i, windows in enumerate(need):
            covering = [y for y, (working, _) in zip(ys, patterns, strict=True) if i in working]
            if windows > 0:
                model.add(sum(covering) >= windows)
        model.minimize(sum(paid * y for y, (_, paid) in zip(ys, patterns, strict=True)))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = time_limit_s
        solver.parameters.random_seed = seed
        solver.parameters.num_workers = 1
        code = solver.solve(model)
        statuses.append(solver.status_name(code))
        counts = [int(solver.value(y)) for y in ys] if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else [0] * len(ys)
        row = [0] * len(need)
        for count, (working, paid) in zip(counts, patterns, strict=True):
            paid_min += count * paid
            shifts += count
            for i in working:
                row[i] += count
        opened[name] = tuple(row)
    order = ["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN", "MODEL_INVALID"]
    worst = max(statuses, key=lambda s: order.index(s) if s in order else len(order), default="OPTIMAL")
    return DedicatedRoster(dict(requirement), opened, round(paid_min / 60, 2), shifts, worst)


def repaired_dedicated(
    problem: StaffingProblem,
    model: FloorModel,
    days: Sequence[Customers],
    goal: float,
    *,
    max_rounds: int = 6,
    seed: int = 0,
) -> tuple[DedicatedRoster, Verification, int]:
    """The baseline raised until its dedicated windows hold ``goal`` in every (service, interval) on ``days``.

    Same repair as :mod:`.verified_roster` (one window more where a cell misses), so the two rosters can be
    compared at the same simulated service level. Returns the roster, its verification and the rounds used.
    """
    del model  # dedicated windows call one service: pooling does not apply; service times are in ``days``
    req = erlang_requirement(problem)
    roster = dedicated_cover(problem, req, seed=seed)

    def check(current: DedicatedRoster) -> Verification:
        floor = floor_from_counts(problem.service_names, current.open_windows, problem.interval_minutes)
        return verify_floor(
            problem.service_names, floor, days, problem.n_intervals, problem.service_level.target_wait_min
        )

    found = check(roster)
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        misses = found.misses(goal)
        if not misses:
            rounds -= 1
            break
        grown = {name: list(values) for name, values in req.items()}
        for name, i in misses:
            grown[name][i] = min(max(grown[name][i], roster.open_windows[name][i] + 1), problem.max_windows)
        req = {k: tuple(v) for k, v in grown.items()}
        roster = dedicated_cover(problem, req, seed=seed)
        found = check(roster)
    return roster, found, rounds
