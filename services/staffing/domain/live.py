"""The live floor as the intraday re-plan and the alerts see it. Pure: values in, values out.

* :func:`significant_change`: is a new queue forecast different enough to re-plan at once?
* :func:`with_arrival_forecast`: the day's problem with the queue service's arrival forecast in place
  of the instance's (points are summed per interval of the instance's grid).
* :func:`demand_factors`: tickets issued so far against the forecast for the intervals already over.
* :func:`started_shifts`: shifts of the current plan that have started by ``now``.
* :func:`floor_now`: windows (from windows.v1), who serves, idles or rests (windows.v1, else the plan),
  and the queue per service (queue.forecast.v1), as the :mod:`.alerts` module takes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from .alerts import FloorNow, ServiceNow, StaffNow, WindowNow
from .intraday import WorkedShift
from .plan import Plan, ShiftAssignment
from .problem import StaffingProblem


def clock_min(clock: str) -> int:
    """``"09:30"`` -> ``570``."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class ForecastView:
    """What matters of a forecast for deciding to re-plan: waits and queues per service, total arrivals."""

    waits: Mapping[str, float]
    waiting: Mapping[str, int]
    arrivals_total: float = 0.0


def _changed(old: float, new: float, fraction: float, floor: float) -> bool:
    return abs(new - old) >= max(floor, fraction * abs(old))


def significant_change(old: ForecastView | None, new: ForecastView, target_wait_min: float, fraction: float) -> bool:
    if old is None:
        return True
    for service in set(old.waits) | set(new.waits):
        before, after = old.waits.get(service, 0.0), new.waits.get(service, 0.0)
        if (before > target_wait_min) != (after > target_wait_min):
            return True  # crossed the target, either way
        if _changed(before, after, fraction, 2.0):
            return True
        if _changed(old.waiting.get(service, 0), new.waiting.get(service, 0), fraction, 3.0):
            return True
    return _changed(old.arrivals_total, new.arrivals_total, fraction, 3.0)


@dataclass(frozen=True)
class ArrivalPoint:
    minute: int  # local minutes since midnight of the interval start
    expected: float
    service: str | None = None  # None: all services, split by the instance's mix in that interval


def with_arrival_forecast(problem: StaffingProblem, points: Iterable[ArrivalPoint]) -> StaffingProblem:
    step, n = problem.interval_minutes, problem.n_intervals
    totals: dict[tuple[str, int], float] = {}
    for point in points:
        index = (point.minute - problem.open_min) // step
        if not 0 <= index < n:
            continue
        if point.service is not None:
            if point.service in problem.service_names:
                totals[(point.service, index)] = totals.get((point.service, index), 0.0) + point.expected
            continue
        base = {s.name: s.arrivals[index] for s in problem.services}
        mix = sum(base.values())
        for name, value in base.items():
            share = value / mix if mix > 0 else 1 / len(base)
            totals[(name, index)] = totals.get((name, index), 0.0) + point.expected * share
    if not totals:
        return problem
    services = []
    for service in problem.services:
        arrivals = tuple(totals.get((service.name, i), a) for i, a in enumerate(service.arrivals))
        services.append(replace(service, arrivals=arrivals))
    return replace(problem, services=tuple(services))


def demand_factors(
    problem: StaffingProblem,
    observed: Mapping[str, int],
    now_min: int,
    *,
    minimum_expected: float = 10.0,
    bounds: tuple[float, float] = (0.5, 2.0),
) -> dict[str, float]:
    """Observed / forecast over the intervals already over; only where enough was expected to judge."""
    step = problem.interval_minutes
    over = max(0, min(problem.n_intervals, (now_min - problem.open_min) // step))
    factors: dict[str, float] = {}
    for service in problem.services:
        expected = sum(service.arrivals[:over])
        if expected >= minimum_expected and service.name in observed:
            factors[service.name] = min(max(observed[service.name] / expected, bounds[0]), bounds[1])
    return factors


def started_shifts(plan: Plan, now_min: int) -> dict[str, WorkedShift]:
    started: dict[str, WorkedShift] = {}
    for assignment in plan.assignments:
        start = clock_min(assignment.start)
        if start > now_min:
            continue
        first = assignment.breaks[0] if assignment.breaks else None
        started[assignment.staff_id] = WorkedShift(
            shift_type=assignment.shift_type,
            start_min=start,
            end_min=clock_min(assignment.end),
            break_start_min=clock_min(first.start) if first else None,
            break_end_min=clock_min(first.end) if first else None,
        )
    return started


@dataclass(frozen=True)
class WindowState:
    """Last windows.v1 of one window."""

    window_id: str
    state: str  # open | closed | break
    staff_id: str | None = None
    skills: tuple[str, ...] = ()


def _planned_status(assignment: ShiftAssignment | None, now_min: int) -> tuple[str, int | None]:
    """(status by the plan, next break start) of one person."""
    if assignment is None:
        return "off_duty", None
    if not clock_min(assignment.start) <= now_min < clock_min(assignment.end):
        return "off_duty", None
    next_break = None
    for pause in assignment.breaks:
        if clock_min(pause.start) <= now_min < clock_min(pause.end):
            return "on_break", None
        if clock_min(pause.start) > now_min and next_break is None:
            next_break = clock_min(pause.start)
    return "idle", next_break


def floor_now(
    problem: StaffingProblem,
    plan: Plan,
    windows: Iterable[WindowState],
    services: Iterable[ServiceNow],
    now_min: int,
    serving_plan: Mapping[str, str],
) -> FloorNow:
    """The floor now; ``serving_plan`` (staff -> service) is the plan's choice in this interval."""
    by_staff = {a.staff_id: a for a in plan.assignments}
    skills = {m.id: m.skills for m in problem.staff}
    at_window: dict[str, WindowState] = {}
    views = []
    for window in sorted(windows, key=lambda w: w.window_id):
        service = None
        if window.staff_id is not None and window.state in ("open", "break"):
            at_window[window.staff_id] = window
            planned = serving_plan.get(window.staff_id)
            own = window.skills or skills.get(window.staff_id, ())
            service = planned if planned in own or not own else own[0]
        views.append(WindowNow(window.window_id, window.state == "open", window.staff_id, service, window.skills))
    staff = []
    for staff_id in sorted(set(skills) | set(at_window)):
        status, next_break = _planned_status(by_staff.get(staff_id), now_min)
        seat = at_window.get(staff_id)
        if seat is not None:
            status = "serving" if seat.state == "open" else "on_break"
        staff.append(
            StaffNow(
                staff_id,
                status,
                tuple(skills.get(staff_id) or (seat.skills if seat else ())),
                next_break if status == "serving" else None,
            )
        )
    return FloorNow(
        now_min=now_min,
        target_wait_min=problem.service_level.target_wait_min,
        windows=tuple(views),
        staff=tuple(staff),
        services=tuple(services),
    )
