"""Roster with CP-SAT on kinds of interchangeable staff, hinted (and backed) by the greedy plan.

Variables: people of a kind per pattern, and for multi-skill kinds windows per skill and interval.
Objective, lexicographic by weights: (1) named shortfall variables (requirement and minimum open
windows), (2) paid cost, (3) fairness: small spread of shift lengths, few switches between services
(late shifts are shared out when names are put back, :mod:`.naming`).

The greedy plan is always computed first, so a roster exists even when CP-SAT finds nothing in its
time; the better of the two (fewest missing windows, then cost) is returned. Deterministic for a given
seed when CP-SAT stops on optimality or the gap (one worker, or several with ``interleave_search``);
when it stops on the wall-clock limit the plan may differ from run to run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .greedy import KindPlan, greedy_plan
from .kinds import StaffKind, staff_kinds
from .naming import RosterAssignment, name_plan
from .patterns import ShiftPattern
from .problem import Requirement, StaffingProblem

__all__ = [
    "MIN_OPEN_KEY",
    "Roster",
    "RosterAssignment",
    "Shortfall",
    "SolverSettings",
    "plan_cost",
    "shortfalls_of",
    "solve_roster",
]

FAIRNESS_SCALE = 4000  # every fairness term together stays below one unit of cost
MIN_OPEN_KEY = "*"  # service name used for the shortfall of min_open_windows


@dataclass(frozen=True)
class Shortfall:
    interval: int
    service: str  # MIN_OPEN_KEY for the minimum-open-windows rule
    missing_windows: int


@dataclass(frozen=True)
class Roster:
    status: str  # OPTIMAL | FEASIBLE (CP-SAT) | HEURISTIC (greedy plan kept)
    assignments: tuple[RosterAssignment, ...]
    shortfalls: tuple[Shortfall, ...]
    cost: float
    wall_time_s: float
    gap: float | None = None  # CP-SAT's relative gap |objective - bound| / max(1, |objective|); None: greedy kept


@dataclass(frozen=True)
class SolverSettings:
    time_limit_s: float = 10.0
    seed: int = 0
    workers: int = 1
    relative_gap: float = 0.005  # stop once the plan is provably within this fraction of the optimum
    remaining: Callable[[], float] | None = None  # caller's budget, read after the model is built
    deterministic_s: float | None = None  # also stop on CP-SAT's deterministic time (the same on any machine)
    linearization_level: int | None = None  # CP-SAT's default when None; 2 proves a tighter bound (the gap)


def shortfalls_of(
    problem: StaffingProblem, kinds: tuple[StaffKind, ...], plan: KindPlan, requirement: Requirement
) -> tuple[Shortfall, ...]:
    """Windows the plan leaves missing against ``requirement`` and the minimum of open windows."""
    missing = []
    for i in range(problem.n_intervals):
        total = 0
        for service in problem.service_names:
            opened = sum(
                plan.serving[k][i][kind.skills.index(service)] for k, kind in enumerate(kinds) if service in kind.skills
            )
            total += opened
            if requirement[service][i] > opened:
                missing.append(Shortfall(i, service, requirement[service][i] - opened))
        if problem.min_open_windows > total:
            missing.append(Shortfall(i, MIN_OPEN_KEY, problem.min_open_windows - total))
    return tuple(missing)


def plan_cost(kinds: tuple[StaffKind, ...], plan: KindPlan) -> float:
    """Paid cost of a plan of kinds (cost per hour x paid hours), rounded to cents."""
    return round(
        sum(
            kind.cost_per_hour * kind.patterns[p].paid_min / 60 * c
            for kind, counts in zip(kinds, plan.counts, strict=False)
            for p, c in enumerate(counts)
        ),
        2,
    )


class _Model:
    def __init__(self, problem: StaffingProblem, kinds: tuple[StaffKind, ...], requirement: Requirement) -> None:
        self.model = model = cp_model.CpModel()
        n = problem.n_intervals
        self.count: list[list[cp_model.IntVar]] = []
        self.split: dict[tuple[int, int, int], cp_model.IntVar] = {}
        windows: dict[tuple[int, str], list[cp_model.IntVar]] = {}
        total: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
        cost_terms: list[cp_model.LinearExprT] = []
        fairness: list[cp_model.LinearExprT] = []
        step = max(problem.interval_minutes, 1)
        lengths = sorted({p.paid_min // step for kind in kinds for p in kind.patterns})
        used = {length: model.new_bool_var(f"used_{length}") for length in lengths}
        max_cost = 0
        for k, kind in enumerate(kinds):
            low = kind.count if kind.fixed else 0
            upper = min(kind.count, problem.max_windows) if not kind.fixed else kind.count
            ys = [model.new_int_var(low, upper, f"n_{k}_{p}") for p in range(len(kind.patterns))]
            self.count.append(ys)
            model.add(sum(ys) <= kind.count)
            rate = round(kind.cost_per_hour * 100)
            for pattern, y in zip(kind.patterns, ys, strict=False):
                cost = rate * len(pattern.working_intervals) * FAIRNESS_SCALE
                cost_terms.append(cost * y)
                max_cost = max(max_cost, cost)
                model.add(y <= kind.count * used[pattern.paid_min // step])
            for i in range(n):
                working = [y for pattern, y in zip(kind.patterns, ys, strict=False) if pattern.works(i)]
                if not working:
                    continue
                on = model.new_int_var(low, kind.count, f"on_{k}_{i}")
                model.add(on == sum(working))
                total[i].append(on)
                if len(kind.skills) == 1:
                    windows.setdefault((i, kind.skills[0]), []).append(on)
                    continue
                parts = [model.new_int_var(0, kind.count, f"x_{k}_{i}_{j}") for j in range(len(kind.skills))]
                model.add(sum(parts) == on)
                for j, (service, part) in enumerate(zip(kind.skills, parts, strict=False)):
                    self.split[k, i, j] = part
                    windows.setdefault((i, service), []).append(part)
                    if (k, i - 1, j) in self.split:
                        switch = model.new_int_var(0, kind.count, f"sw_{k}_{i}_{j}")
                        model.add(switch >= part - self.split[k, i - 1, j])
                        fairness.append(switch)
        if lengths:
            longest = model.new_int_var(0, max(lengths), "longest")
            shortest = model.new_int_var(0, max(lengths), "shortest")
            for length, flag in used.items():
                model.add(longest >= length * flag)
                model.add(shortest <= length + max(lengths) * (1 - flag))
            fairness.append(4 * (longest - shortest))
        self.short: dict[tuple[int, str], cp_model.IntVar] = {}
        for i in range(n):
            for service in problem.service_names:
                need = requirement[service][i]
                if need > 0:
                    self.short[i, service] = model.new_int_var(0, need, f"short_{i}_{service}")
                    model.add(sum(windows.get((i, service), [])) + self.short[i, service] >= need)
            if total[i]:
                model.add(sum(total[i]) <= problem.max_windows)
            if problem.min_open_windows > 0:
                self.short[i, "*"] = model.new_int_var(0, problem.min_open_windows, f"short_{i}_open")
                model.add(sum(total[i]) + self.short[i, "*"] >= problem.min_open_windows)
        weight = max_cost * sum(kind.count for kind in kinds) + FAIRNESS_SCALE + 1
        total_short = cp_model.LinearExpr.sum(list(self.short.values()))
        model.minimize(cp_model.LinearExpr.sum(cost_terms) + weight * total_short + cp_model.LinearExpr.sum(fairness))

    def hint(self, kinds: tuple[StaffKind, ...], plan: KindPlan, missing: tuple[Shortfall, ...]) -> None:
        for ys, counts in zip(self.count, plan.counts, strict=False):
            for y, value in zip(ys, counts, strict=False):
                self.model.add_hint(y, value)
        for (k, i, j), var in self.split.items():
            self.model.add_hint(var, plan.serving[k][i][j])
        lacking = {(s.interval, s.service): s.missing_windows for s in missing}
        for key, var in self.short.items():
            self.model.add_hint(var, lacking.get(key, 0))

    def read(self, solver: cp_model.CpSolver, kinds: tuple[StaffKind, ...], n: int) -> KindPlan:
        counts = tuple(tuple(int(solver.value(y)) for y in ys) for ys in self.count)
        serving = []
        for k, kind in enumerate(kinds):
            rows: list[tuple[int, ...]] = []
            for i in range(n):
                on = sum(c for pattern, c in zip(kind.patterns, counts[k], strict=False) if pattern.works(i))
                if len(kind.skills) == 1:
                    rows.append((on,))
                else:
                    rows.append(
                        tuple(
                            int(solver.value(self.split[k, i, j])) if (k, i, j) in self.split else 0
                            for j in range(len(kind.skills))
                        )
                    )
            serving.append(tuple(rows))
        return KindPlan(counts=counts, serving=tuple(serving))


def solve_roster(
    problem: StaffingProblem,
    requirement: Requirement,
    settings: SolverSettings,
    fixed: Mapping[str, ShiftPattern] | None = None,
) -> Roster:
    """Roster covering ``requirement``; ``fixed`` pins staff to a pattern (intraday: shift started).

    ``Roster.gap`` is the relative gap CP-SAT proved for the kept roster (None when the greedy plan is kept).
    """
    kinds = staff_kinds(problem, fixed)
    greedy = greedy_plan(problem, kinds, requirement)
    greedy_missing = shortfalls_of(problem, kinds, greedy, requirement)
    best, best_missing, status, wall, gap = greedy, greedy_missing, "HEURISTIC", 0.0, None

    def result() -> Roster:
        named = name_plan(kinds, best, problem.n_intervals)
        return Roster(status, named, best_missing, plan_cost(kinds, best), wall, gap)

    if settings.time_limit_s <= 0.02 or not kinds:
        return result()
    built = _Model(problem, kinds, requirement)
    built.hint(kinds, greedy, greedy_missing)
    limit = settings.time_limit_s if settings.remaining is None else min(settings.time_limit_s, settings.remaining())
    if limit <= 0.02:
        return result()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    if settings.deterministic_s is not None:
        solver.parameters.max_deterministic_time = settings.deterministic_s
    if settings.linearization_level is not None:
        solver.parameters.linearization_level = settings.linearization_level
    solver.parameters.random_seed = settings.seed
    solver.parameters.num_workers = max(settings.workers, 1)
    solver.parameters.interleave_search = settings.workers > 1
    solver.parameters.relative_gap_limit = settings.relative_gap
    solver.parameters.cp_model_probing_level = 0  # presolve probing costs more than it saves here:
    solver.parameters.find_big_linear_overlap = False  # the hinted plan is found sooner without them
    code = solver.solve(built.model)
    wall = solver.wall_time
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = built.read(solver, kinds, problem.n_intervals)
        missing = shortfalls_of(problem, kinds, found, requirement)
        key_found = (sum(s.missing_windows for s in missing), plan_cost(kinds, found))
        key_greedy = (sum(s.missing_windows for s in greedy_missing), plan_cost(kinds, greedy))
        if key_found <= key_greedy:
            best, best_missing = found, missing
            status = "OPTIMAL" if code == cp_model.OPTIMAL else "FEASIBLE"
            objective, bound = solver.objective_value, solver.best_objective_bound
            gap = abs(objective - bound) / max(1.0, abs(objective))
    return result()
