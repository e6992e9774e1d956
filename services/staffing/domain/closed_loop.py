"""Requirement loop closed on the roster: simulate the roster itself, add or take away, re-roster.

The requirement loop (:mod:`.requirements`) sizes windows per interval; the roster then opens more in
some intervals (whole shifts) and the extra windows also shorten the backlog after them. So the
roster's own open windows are simulated (common random numbers: one seed for every round, so two
rounds differ only by the plan). An interval that misses gets one window above what the roster
opened; a binding interval with slack (predicted to hold the goal with one window less) is relaxed
by one, and the cheaper roster is kept only if its own simulation still holds everywhere.
Stops when nothing changes or the caller's budget runs out; the budget is injected, the clock is not
read here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from .erlang import erlang_c_service_level
from .patterns import ShiftPattern
from .problem import Requirement, StaffingProblem
from .requirements import LoopSettings, required_windows
from .roster import Roster, SolverSettings, solve_roster
from .simulate import ServiceSimulation, simulate_service


@dataclass(frozen=True)
class Budget:
    """Seconds left, from the caller's clock; shares of it go to each step."""

    remaining: Callable[[], float]
    total_s: float
    reserve_fraction: float = 0.08  # kept back for rendering and the solver's overshoot

    def left(self) -> float:
        return self.remaining() - self.total_s * self.reserve_fraction

    def share(self, fraction: float) -> float:
        return max(self.left() * fraction, 0.0)


@dataclass(frozen=True)
class DayPlan:
    requirement: Requirement
    roster: Roster
    rounds: int
    stable: bool  # False: stopped by the budget or the round limit


def open_windows(problem: StaffingProblem, roster: Roster) -> dict[str, list[int]]:
    counts = {name: [0] * problem.n_intervals for name in problem.service_names}
    for assignment in roster.assignments:
        for interval, service in assignment.serving:
            counts[service][interval] += 1
    return counts


def _simulate(
    problem: StaffingProblem, windows: dict[str, list[int]], loop: LoopSettings
) -> dict[str, ServiceSimulation]:
    level = problem.service_level
    return {
        s.name: simulate_service(
            s.arrivals,
            windows[s.name],
            aht_min=s.aht_min,
            interval_min=problem.interval_minutes,
            target_wait_min=level.target_wait_min,
            patience_min=s.patience_min,
            days=loop.days,
            seed=loop.seed + offset,
        )
        for offset, s in enumerate(problem.services)
    }


def _misses(problem: StaffingProblem, sims: dict[str, ServiceSimulation], goal: float) -> dict[str, list[int]]:
    found = {}
    for name, sim in sims.items():
        levels = sim.interval_levels()
        if problem.service_level.scope == "day":
            bad = [] if sim.day_level >= goal else [min(range(len(levels)), key=lambda i: levels[i] or 1.0)]
        else:
            bad = [i for i, level in enumerate(levels) if level is not None and level < goal]
        if bad:
            found[name] = bad
    return found


def _relaxable(
    problem: StaffingProblem,
    req: Requirement,
    windows: dict[str, list[int]],
    sims: dict[str, ServiceSimulation],
    goal: float,
    locked: set[tuple[str, int]],
) -> Requirement | None:
    """Binding intervals predicted to hold the goal with one window less (not two neighbours at once)."""
    level = problem.service_level
    relaxed = {name: list(values) for name, values in req.items()}
    changed = False
    for service in problem.services:
        levels = sims[service.name].interval_levels()
        ranked = []
        for i, opened in enumerate(windows[service.name]):
            if (service.name, i) in locked or opened != req[service.name][i] or opened <= 1:
                continue
            args = (service.arrivals[i], service.aht_min, problem.interval_minutes, level.target_wait_min)
            drop = erlang_c_service_level(opened, *args) - erlang_c_service_level(opened - 1, *args)
            current = levels[i]
            predicted = (1.0 if current is None else current) - drop
            if predicted >= goal:
                ranked.append((predicted, i))
        taken: list[int] = []
        for _, i in sorted(ranked, reverse=True):
            if all(abs(i - j) > 1 for j in taken):
                taken.append(i)
                relaxed[service.name][i] -= 1
                changed = True
    return {k: tuple(v) for k, v in relaxed.items()} if changed else None


def plan_day(
    problem: StaffingProblem,
    budget: Budget,
    *,
    seed: int = 0,
    workers: int = 1,
    loop: LoopSettings | None = None,
    max_rounds: int = 8,
    fixed: dict[str, ShiftPattern] | None = None,
) -> DayPlan:
    loop = replace(loop or LoopSettings(), seed=seed)
    goal = problem.service_level.target_fraction + loop.margin
    start_left = budget.left()
    req = required_windows(problem, loop, should_stop=lambda: budget.left() < 0.75 * start_left)

    sim_cost = overhead = 0.0  # measured on the injected clock: one round of simulation, greedy + model build

    def roster_for(requirement: Requirement, fraction: float) -> Roster:
        nonlocal overhead
        before = budget.remaining()
        keep = budget.left() * (1 - fraction)  # what the later steps still get
        settings = SolverSettings(
            time_limit_s=budget.share(fraction), seed=seed, workers=workers, remaining=lambda: budget.left() - keep
        )
        roster = solve_roster(problem, requirement, settings, fixed)
        overhead = max(overhead, before - budget.remaining() - roster.wall_time_s)
        return roster

    def simulate_timed(windows: dict[str, list[int]]) -> dict[str, ServiceSimulation]:
        nonlocal sim_cost
        before = budget.remaining()
        sims = _simulate(problem, windows, loop)
        sim_cost = max(sim_cost, before - budget.remaining())
        return sims

    roster = roster_for(req, 0.5)
    locked: set[tuple[str, int]] = set()
    rounds, stable = 0, False
    for rounds in range(1, max_rounds + 1):
        if budget.left() < 0.1 * start_left or budget.left() < 2 * (sim_cost + overhead) + 0.05:
            rounds -= 1
            break
        windows = open_windows(problem, roster)
        sims = simulate_timed(windows)
        misses = _misses(problem, sims, goal)
        if misses:
            grown = {name: list(values) for name, values in req.items()}
            for name, intervals in misses.items():
                for i in intervals:
                    grown[name][i] = min(max(grown[name][i], windows[name][i] + 1), problem.max_windows)
                    locked.add((name, i))
            grown_req = {k: tuple(v) for k, v in grown.items()}
            if grown_req == req:
                stable = True  # nothing more can be added
                break
            grown_roster = roster_for(grown_req, 0.5)
            if len(grown_roster.shortfalls) > len(roster.shortfalls):
                break  # the extra windows cannot be staffed: keep the plan that could be
            req, roster = grown_req, grown_roster
            continue
        relaxed = _relaxable(problem, req, windows, sims, goal, locked)
        if relaxed is None:
            stable = True
            break
        trial = roster_for(relaxed, 0.5)
        trial_ok = not _misses(problem, simulate_timed(open_windows(problem, trial)), goal)
        cheaper = (len(trial.shortfalls), trial.cost) < (len(roster.shortfalls), roster.cost)
        locked.update(
            (name, i) for name in req for i, (a, b) in enumerate(zip(req[name], relaxed[name], strict=False)) if a != b
        )
        if trial_ok and cheaper:
            req, roster = relaxed, trial
    return DayPlan(requirement=req, roster=roster, rounds=rounds, stable=stable)
