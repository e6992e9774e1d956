"""Roster with CP-SAT: named staff on shift patterns, each working interval at one window of one service.

Objective, lexicographic by weights: (1) named shortfall variables (requirement and minimum open
windows), (2) paid cost, (3) fairness: spread of paid hours among those working, late shifts given to
whoever had fewer recently, few switches between services. Deterministic for a given seed and workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from .patterns import ShiftPattern, staff_patterns
from .problem import Requirement, StaffingProblem

FAIRNESS_SCALE = 4000  # every fairness term together stays below one unit of cost
MIN_OPEN_KEY = "*"  # service name used for the shortfall of min_open_windows


@dataclass(frozen=True)
class RosterAssignment:
    staff_id: str
    pattern: ShiftPattern
    serving: tuple[tuple[int, str], ...]  # (interval, service) for every working interval


@dataclass(frozen=True)
class Shortfall:
    interval: int
    service: str  # MIN_OPEN_KEY for the minimum-open-windows rule
    missing_windows: int


@dataclass(frozen=True)
class Roster:
    status: str  # OPTIMAL | FEASIBLE | UNKNOWN (no solution within the time limit)
    assignments: tuple[RosterAssignment, ...]
    shortfalls: tuple[Shortfall, ...]
    cost: float
    wall_time_s: float


@dataclass(frozen=True)
class SolverSettings:
    time_limit_s: float = 10.0
    seed: int = 0
    workers: int = 1
    relative_gap: float = 0.02  # stop once the plan is provably within this fraction of the optimum


def _break_symmetry(model: cp_model.CpModel, problem: StaffingProblem, patterns, choose) -> None:
    """Interchangeable staff (same skills, rules, cost, history) are used in list order."""
    previous_of_kind: dict[tuple[object, ...], str] = {}
    for member in problem.staff:
        options = patterns[member.id]
        if not options:
            continue
        kind = (member.skills, member.shift_types, member.available_from_min, member.available_to_min,
                member.cost_per_hour, member.previous_shift_end_min, member.late_shifts_recent)
        earlier = previous_of_kind.get(kind)
        previous_of_kind[kind] = member.id
        if earlier is not None:
            count = len(options)
            model.add(sum(choose[earlier, k] for k in range(count)) >= sum(choose[member.id, k] for k in range(count)))


def _build(problem: StaffingProblem, requirement: Requirement):
    model = cp_model.CpModel()
    services = set(problem.service_names)
    n = problem.n_intervals
    step = problem.interval_minutes
    patterns = {m.id: staff_patterns(problem, m) if services & set(m.skills) else () for m in problem.staff}
    choose = {(m.id, k): model.new_bool_var(f"y_{m.id}_{k}") for m in problem.staff for k in range(len(patterns[m.id]))}
    serve: dict[tuple[str, int, str], cp_model.IntVar] = {}
    cost_terms, fairness_terms = [], []
    max_shift_cost = 0
    hours_max = model.new_int_var(0, n, "hours_max")
    hours_min = model.new_int_var(0, n, "hours_min")
    model.add(hours_min <= hours_max)
    for member in problem.staff:
        options = patterns[member.id]
        if not options:
            continue
        ys = [choose[member.id, k] for k in range(len(options))]
        model.add_at_most_one(ys)
        rate = round(member.cost_per_hour * 100)
        shift_costs = [rate * p.paid_min // step * FAIRNESS_SCALE for p in options]
        max_shift_cost = max(max_shift_cost, *shift_costs)
        cost_terms += [c * y for c, y in zip(shift_costs, ys, strict=True)]
        paid = sum(p.paid_min // step * y for p, y in zip(options, ys, strict=True))
        model.add(hours_max >= paid)
        model.add(hours_min <= paid + n * (1 - sum(ys)))
        late_weight = min(member.late_shifts_recent, 10) + 1
        fairness_terms += [late_weight * y for p, y in zip(options, ys, strict=True) if p.end == n]
        skills = [s for s in member.skills if s in services]
        for i in range(n):
            on_duty = [y for p, y in zip(options, ys, strict=True) if p.works(i)]
            if not on_duty:
                continue
            for service in skills:
                serve[member.id, i, service] = model.new_bool_var(f"x_{member.id}_{i}_{service}")
            model.add(sum(serve[member.id, i, s] for s in skills) == sum(on_duty))
            if len(skills) > 1 and (member.id, i - 1, skills[0]) in serve:
                for service in skills:
                    switch = model.new_bool_var(f"sw_{member.id}_{i}_{service}")
                    model.add(switch >= serve[member.id, i, service] - serve[member.id, i - 1, service])
                    fairness_terms.append(switch)
    fairness_terms.append(4 * (hours_max - hours_min))
    _break_symmetry(model, problem, patterns, choose)
    shortfall_weight = max_shift_cost * max(len(problem.staff), 1) + 1
    shortfall: dict[tuple[int, str], cp_model.IntVar] = {}
    for i in range(n):
        total_open = []
        for service in problem.service_names:
            windows = [v for (sid, j, s), v in serve.items() if j == i and s == service]
            total_open += windows
            need = requirement[service][i]
            if need > 0:
                short = model.new_int_var(0, need, f"short_{i}_{service}")
                model.add(sum(windows) + short >= need)
                shortfall[i, service] = short
        model.add(sum(total_open) <= problem.max_windows)
        if problem.min_open_windows > 0:
            short = model.new_int_var(0, problem.min_open_windows, f"short_{i}_open")
            model.add(sum(total_open) + short >= problem.min_open_windows)
            shortfall[i, MIN_OPEN_KEY] = short
    model.minimize(
        sum(cost_terms) + shortfall_weight * sum(shortfall.values()) + sum(fairness_terms)
    )
    return model, patterns, choose, serve, shortfall


def solve_roster(problem: StaffingProblem, requirement: Requirement, settings: SolverSettings) -> Roster:
    model, patterns, choose, serve, shortfall = _build(problem, requirement)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(settings.time_limit_s, 0.01)
    solver.parameters.random_seed = settings.seed
    solver.parameters.num_workers = settings.workers
    solver.parameters.linearization_level = 2
    solver.parameters.relative_gap_limit = settings.relative_gap
    code = solver.solve(model)
    status = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE"}.get(code, "UNKNOWN")
    if status == "UNKNOWN":
        missing = tuple(
            Shortfall(i, service, var.proto.domain[-1]) for (i, service), var in sorted(shortfall.items())
        )
        return Roster(status, (), missing, 0.0, solver.wall_time)
    assignments = []
    cost = 0.0
    for member in problem.staff:
        for k, pattern in enumerate(patterns[member.id]):
            if solver.boolean_value(choose[member.id, k]):
                serving = tuple(
                    (i, service)
                    for i in pattern.working_intervals
                    for service in member.skills
                    if (member.id, i, service) in serve and solver.boolean_value(serve[member.id, i, service])
                )
                assignments.append(RosterAssignment(member.id, pattern, serving))
                cost += member.cost_per_hour * pattern.paid_min / 60
    missing = tuple(
        Shortfall(i, service, int(solver.value(var)))
        for (i, service), var in sorted(shortfall.items())
        if solver.value(var) > 0
    )
    return Roster(status, tuple(assignments), missing, round(cost, 2), solver.wall_time)
