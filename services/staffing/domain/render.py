"""Render a roster as the typed plan of a branch-day, with its named shortfalls."""

from __future__ import annotations

from .naming import RosterAssignment
from .plan import IntervalPlan, Plan, PlanShortfall, ShiftAssignment, SolveStats, Span, Stretch
from .problem import Requirement, StaffingProblem, minutes_to_clock
from .roster import MIN_OPEN_KEY, Roster


def _clock(problem: StaffingProblem, interval: int) -> str:
    return minutes_to_clock(problem.open_min + interval * problem.interval_minutes)


def _stretches(problem: StaffingProblem, assignment: RosterAssignment) -> tuple[Stretch, ...]:
    """Consecutive intervals at the same service become one stretch; a break or switch ends it."""
    stretches: list[Stretch] = []
    previous: tuple[int, str] | None = None
    for interval, service in assignment.serving:
        if previous is not None and previous == (interval - 1, service):
            stretches[-1] = Stretch(stretches[-1].start, _clock(problem, interval + 1), service)
        else:
            stretches.append(Stretch(_clock(problem, interval), _clock(problem, interval + 1), service))
        previous = (interval, service)
    return tuple(stretches)


def open_windows_per_interval(problem: StaffingProblem, roster: Roster) -> Requirement:
    counts = {name: [0] * problem.n_intervals for name in problem.service_names}
    for assignment in roster.assignments:
        for interval, service in assignment.serving:
            counts[service][interval] += 1
    return {name: tuple(values) for name, values in counts.items()}


def shortfall_records(problem: StaffingProblem, roster: Roster) -> tuple[PlanShortfall, ...]:
    return tuple(
        PlanShortfall(
            start=_clock(problem, s.interval),
            service=None if s.service == MIN_OPEN_KEY else s.service,
            rule="min_open_windows" if s.service == MIN_OPEN_KEY else "requirement",
            missing_windows=s.missing_windows,
        )
        for s in roster.shortfalls
    )


def _assignment(problem: StaffingProblem, assignment: RosterAssignment) -> ShiftAssignment:
    pattern = assignment.pattern
    breaks: tuple[Span, ...] = ()
    if pattern.break_start is not None and pattern.break_end is not None:
        breaks = (Span(_clock(problem, pattern.break_start), _clock(problem, pattern.break_end)),)
    return ShiftAssignment(
        staff_id=assignment.staff_id,
        shift_type=pattern.shift_type,
        start=_clock(problem, pattern.start),
        end=_clock(problem, pattern.end),
        paid_hours=pattern.paid_min / 60,
        breaks=breaks,
        serving=_stretches(problem, assignment),
    )


def render_plan(
    problem: StaffingProblem,
    requirement: Requirement,
    roster: Roster,
    *,
    solve_ms: float,
    loop_rounds: int,
    stable: bool,
) -> Plan:
    opened = open_windows_per_interval(problem, roster)
    intervals = tuple(
        IntervalPlan(
            start=_clock(problem, i),
            required={name: requirement[name][i] for name in problem.service_names},
            open_windows={name: opened[name][i] for name in problem.service_names},
        )
        for i in range(problem.n_intervals)
    )
    ordered = sorted(roster.assignments, key=lambda a: (a.pattern.start, a.staff_id))
    shortfalls = shortfall_records(problem, roster)
    status = "INFEASIBLE" if shortfalls else ("FEASIBLE" if roster.status == "HEURISTIC" else roster.status)
    return Plan(
        branch_id=problem.branch_id,
        date=problem.date,
        status=status,
        stats=SolveStats(
            solver_status=roster.status, solve_ms=round(solve_ms, 1), loop_rounds=loop_rounds, stable=stable
        ),
        paid_hours=sum(a.pattern.paid_min for a in roster.assignments) / 60,
        cost=roster.cost,
        people=len(roster.assignments),
        intervals=intervals,
        assignments=tuple(_assignment(problem, a) for a in ordered),
        shortfalls=shortfalls,
    )
