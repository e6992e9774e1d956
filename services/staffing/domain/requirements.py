"""Windows required per service and interval: Erlang C start, closed by the branch simulator.

Erlang C per interval overstates waits while demand ramps up and understates them while a backlog
clears after the peak. So: simulate the requirement, add a window where an interval misses the target,
take windows away where there is slack, re-simulate; repeat for a bounded number of rounds.
Common random numbers (one seed for every simulation) keep the comparisons between rounds fair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .erlang import erlang_c_service_level, erlang_c_windows
from .problem import Requirement, ServiceDemand, StaffingProblem
from .simulate import ServiceSimulation, simulate_service


@dataclass(frozen=True)
class LoopSettings:
    days: int = 250
    seed: int = 0
    margin: float = 0.015  # aim this far above the target so a fresh seed still passes
    max_rounds: int = 12


def _misses(sim: ServiceSimulation, goal: float, scope: str) -> list[int]:
    levels = sim.interval_levels()
    if scope == "day":
        if sim.day_level >= goal:
            return []
        worst = min((lvl, i) for i, lvl in enumerate(levels) if lvl is not None)
        return [worst[1]]
    return [i for i, level in enumerate(levels) if level is not None and level < goal]


def _add_at_misses(req: list[int], misses: list[int], cap: int) -> bool:
    changed = False
    for index in misses:
        if req[index] < cap:
            req[index] += 1
            changed = True
    return changed


def _trim_candidates(
    req: list[int],
    floor: list[int],
    sim: ServiceSimulation,
    goal: float,
    drop: Callable[[int], float],
    locked: set[int],
) -> list[int]:
    levels = sim.interval_levels()
    ranked = []
    for index, level in enumerate(levels):
        if index in locked or req[index] <= floor[index]:
            continue
        predicted = (1.0 if level is None else level) - drop(index)
        if predicted >= goal:
            ranked.append((predicted, index))
    chosen: list[int] = []
    for _, index in sorted(ranked, reverse=True):
        if all(abs(index - other) > 1 for other in chosen):  # neighbours share a backlog: one at a time
            chosen.append(index)
    return chosen


def service_requirement(
    problem: StaffingProblem,
    service: ServiceDemand,
    settings: LoopSettings,
    start: list[int] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[int, ...]:
    level = problem.service_level
    goal = level.target_fraction + settings.margin
    interval = problem.interval_minutes
    cap = problem.max_windows

    def simulate(windows: list[int]) -> ServiceSimulation:
        return simulate_service(
            service.arrivals,
            windows,
            aht_min=service.aht_min,
            interval_min=interval,
            target_wait_min=level.target_wait_min,
            patience_min=service.patience_min,
            days=settings.days,
            seed=settings.seed,
        )

    def erlang_drop(index: int) -> float:
        args = (service.arrivals[index], service.aht_min, interval, level.target_wait_min)
        return erlang_c_service_level(req[index], *args) - erlang_c_service_level(req[index] - 1, *args)

    floor = [1 if arrivals > 0 else 0 for arrivals in service.arrivals]
    if start is None:
        start = [
            erlang_c_windows(a, service.aht_min, interval, level.target_wait_min, level.target_fraction, cap)
            for a in service.arrivals
        ]
    req = [max(n, f) for n, f in zip(start, floor, strict=True)]
    locked: set[int] = set()
    sim = simulate(req)
    for _ in range(settings.max_rounds):
        if should_stop():
            break
        misses = _misses(sim, goal, level.scope)
        if misses:
            if not _add_at_misses(req, misses, cap):
                break
            locked.update(misses)
            sim = simulate(req)
            continue
        removed = _trim_candidates(req, floor, sim, goal, erlang_drop, locked)
        if not removed:
            break
        trial = list(req)
        for index in removed:
            trial[index] -= 1
        trial_sim = simulate(trial)
        misses = _misses(trial_sim, goal, level.scope)
        for miss in misses:  # undo the removal most likely to blame: the nearest one at or before the miss
            blamed = max((r for r in removed if r <= miss), default=min(removed, key=lambda r: abs(r - miss)))
            trial[blamed] = req[blamed]
            locked.add(blamed)
        locked.update(removed if misses else ())
        if misses:
            trial_sim = simulate(trial)
        req, sim = trial, trial_sim
    for _ in range(settings.max_rounds):  # never leave the loop below target
        misses = _misses(sim, goal, level.scope)
        if not misses or not _add_at_misses(req, misses, cap):
            break
        sim = simulate(req)
    return tuple(req)


def required_windows(
    problem: StaffingProblem,
    settings: LoopSettings | None = None,
    start: Requirement | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Requirement:
    """Windows needed per service and interval to hold the service level in simulation.

    ``should_stop`` (the caller's budget) ends the trimming rounds early; misses are still repaired.
    """
    settings = settings or LoopSettings()
    return {
        service.name: service_requirement(
            problem, service, settings, None if start is None else list(start[service.name]), should_stop
        )
        for service in problem.services
    }
