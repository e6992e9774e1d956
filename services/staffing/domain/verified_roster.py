"""Roster verified on the floor (issue 23 item 3): simulate who-calls-whom, raise what fails, re-solve.

1. Windows required per service and interval from the requirement loop (:mod:`.requirements`, one
   FCFS queue per service, exponential service: the planner's usual model).
2. CP-SAT roster on that requirement, with the optimality gap CP-SAT proves (:func:`solve_with_gap`).
3. The roster is simulated on the floor (:mod:`.verify`: mixed windows call their other skills, heavy-
   tailed service times). Every (service, interval) below ``target + margin`` gets one window more than
   the roster opened there; re-solve; repeat for at most ``max_rounds`` rounds.
   The best roster seen (fewest cells below, fewest missing windows, lowest cost) is kept.
4. Once every cell holds, binding cells with the most slack are relaxed by one window, one round at a
   time, and the cheaper roster is kept only when its own simulation still holds everywhere.

Deterministic for a given seed: the floor is simulated on the same replications (common random
numbers) every round, the number of rounds is bounded, and CP-SAT runs on one worker with a fixed seed
and stops on the gap or on its *deterministic* time, which does not depend on the machine's load. Only
the wall-clock safety net (``solve_time_limit_s``) or the caller's ``should_stop`` can make a run differ;
``VerifiedRoster.reproducible`` says whether either did. The CP-SAT model is :func:`.roster.solve_roster`'s;
this module only asks it for the deterministic stop and a tighter bound (``Roster.gap``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .problem import Requirement, StaffingProblem
from .requirements import LoopSettings, required_windows
from .roster import Roster, SolverSettings, solve_roster
from .verify import Floor, FloorModel, Verification, draw_days, floor_from_roster, verify_floor


@dataclass(frozen=True)
class VerifySettings:
    days: int = 120  # replications per floor simulation
    seed: int = 0
    margin: float = 0.02  # aim this far above the target so fresh replications still pass
    max_rounds: int = 6  # repair rounds
    relax_rounds: int = 2
    solve_deterministic_s: float = 0.6  # per CP-SAT solve, in CP-SAT's deterministic time (same on any machine)
    solve_time_limit_s: float = 8.0  # per CP-SAT solve, wall clock: only a safety net
    relative_gap: float = 0.005
    requirement_days: int = 150  # days of the per-service requirement loop (step 1)


@dataclass(frozen=True)
class RoundRecord:
    step: str  # start | repair | relax (kept only when it still holds everywhere and costs less)
    worst_cell: float
    cells_below: int
    cost: float
    gap: float | None
    solve_s: float = field(compare=False)  # CP-SAT's wall time (not part of what must repeat)
    clock_cut: bool  # the wall-clock safety net stopped CP-SAT: this solve may differ on another run


@dataclass(frozen=True)
class VerifiedRoster:
    requirement: Requirement
    roster: Roster
    gap: float | None  # CP-SAT's relative gap of the kept roster (None: the greedy plan was kept)
    verification: Verification  # of the kept roster, on the planning replications
    rounds: tuple[RoundRecord, ...]
    stopped: bool = False  # the caller's budget ended the rounds early

    @property
    def reproducible(self) -> bool:
        """No clock decided anything: the same seed gives this roster on any machine."""
        return not self.stopped and not any(r.clock_cut for r in self.rounds)


def solve_with_gap(
    problem: StaffingProblem, requirement: Requirement, settings: SolverSettings, deterministic_s: float
) -> tuple[Roster, float | None]:
    """:func:`.roster.solve_roster` stopped on ``deterministic_s`` of CP-SAT's deterministic time too
    (reproducible on a loaded machine), with level-2 linearisation for a useful bound; (roster, its gap)."""
    roster = solve_roster(
        problem, requirement, replace(settings, deterministic_s=deterministic_s, linearization_level=2)
    )
    return roster, roster.gap


def open_windows(problem: StaffingProblem, roster: Roster) -> dict[str, list[int]]:
    counts = {name: [0] * problem.n_intervals for name in problem.service_names}
    for assignment in roster.assignments:
        for interval, service in assignment.serving:
            counts[service][interval] += 1
    return counts


def _slack_cells(
    problem: StaffingProblem,
    req: Requirement,
    opened: dict[str, list[int]],
    check: Verification,
    goal: float,
    locked: set[tuple[str, int]],
) -> Requirement | None:
    """Per service up to three binding cells with the most slack (share >= goal + 0.08), one window less."""
    relaxed = {name: list(values) for name, values in req.items()}
    changed = False
    for s, name in enumerate(problem.service_names):
        ranked = []
        for i, need in enumerate(req[name]):
            share = check.share(s, i)
            if (name, i) in locked or need <= 1 or opened[name][i] != need or share is None:
                continue
            if share >= goal + 0.08:
                ranked.append((share, -i))
        taken: list[int] = []
        for _, minus_i in sorted(ranked, reverse=True):
            if len(taken) < 3 and all(abs(-minus_i - j) > 2 for j in taken):
                taken.append(-minus_i)
                relaxed[name][-minus_i] -= 1
                changed = True
    return {k: tuple(v) for k, v in relaxed.items()} if changed else None


def plan_verified(
    problem: StaffingProblem,
    model: FloorModel,
    settings: VerifySettings,
    start: Requirement | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> VerifiedRoster:
    """Roster whose floor simulation holds ``target + margin`` in every (service, interval), if staff allow.

    ``start``: the first requirement instead of the requirement loop's (tests, or a caller's own sizing).
    ``should_stop`` (the caller's budget) is asked before each further round: when it ends the loop early
    the best roster so far is returned (``stopped`` is True) and the result may depend on the machine.
    """
    goal = problem.service_level.target_fraction + settings.margin
    days = draw_days(problem, model, settings.days, settings.seed)
    solver = SolverSettings(
        time_limit_s=settings.solve_time_limit_s, seed=settings.seed, relative_gap=settings.relative_gap
    )
    dtime = settings.solve_deterministic_s
    history: list[RoundRecord] = []

    def attempt(step: str, requirement: Requirement) -> tuple[Roster, float | None, Verification]:
        roster, gap = solve_with_gap(problem, requirement, solver, dtime)
        floor: Floor = floor_from_roster(problem, roster, model.pooling, model.calling)
        found = verify_floor(
            problem.service_names, floor, days, problem.n_intervals, problem.service_level.target_wait_min
        )
        cut = roster.wall_time_s >= settings.solve_time_limit_s - 0.01
        history.append(
            RoundRecord(
                step,
                round(found.worst_cell()[0], 4),
                len(found.misses(goal)),
                roster.cost,
                gap,
                round(roster.wall_time_s, 3),
                cut,
            )
        )
        return roster, gap, found

    def key(roster: Roster, found: Verification) -> tuple[int, int, float]:
        return (len(found.misses(goal)), sum(s.missing_windows for s in roster.shortfalls), roster.cost)

    req = (
        dict(start)
        if start is not None
        else required_windows(problem, LoopSettings(days=settings.requirement_days, seed=settings.seed))
    )
    roster, gap, found = attempt("start", req)
    best = (req, roster, gap, found)
    stopped = False
    for _ in range(settings.max_rounds):  # repair: one window more than opened where a cell misses
        misses = found.misses(goal)
        if not misses:
            break
        if should_stop():
            stopped = True
            break
        opened = open_windows(problem, roster)
        grown = {name: list(values) for name, values in req.items()}
        for name, i in misses:
            grown[name][i] = min(max(grown[name][i], opened[name][i] + 1), problem.max_windows)
        grown_req = {k: tuple(v) for k, v in grown.items()}
        if grown_req == req:
            break  # nothing more can be opened
        req = grown_req
        roster, gap, found = attempt("repair", req)
        if key(roster, found) < key(best[1], best[3]):
            best = (req, roster, gap, found)
    req, roster, gap, found = best
    locked: set[tuple[str, int]] = set()
    for _ in range(settings.relax_rounds if not found.misses(goal) else 0):
        relaxed = _slack_cells(problem, req, open_windows(problem, roster), found, goal, locked)
        if relaxed is None:
            break
        if should_stop():
            stopped = True
            break
        locked.update((n, i) for n in req for i, (a, b) in enumerate(zip(req[n], relaxed[n], strict=True)) if a != b)
        trial, trial_gap, trial_found = attempt("relax", relaxed)
        if not trial_found.misses(goal) and key(trial, trial_found) < key(roster, found):
            req, roster, gap, found = relaxed, trial, trial_gap, trial_found
    return VerifiedRoster(req, roster, gap, found, tuple(history), stopped)
