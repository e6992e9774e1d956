"""Join a rest-of-day re-plan onto the day's plan.

Intervals before the cut come from the day's plan, the rest from the re-plan. A shift that started
before the cut keeps its real start, its paid hours and the breaks and stretches already behind it;
a shift that ended before the cut stays as it was; shifts starting later come from the re-plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from .plan import Plan, ShiftAssignment, Stretch


def _clip(stretches: Iterable[Stretch], cut: str) -> list[Stretch]:
    return [replace(s, end=min(s.end, cut)) for s in stretches if s.start < cut]


def _join(before: list[Stretch], after: Iterable[Stretch]) -> tuple[Stretch, ...]:
    out = list(before)
    for stretch in after:
        last = out[-1] if out else None
        if last is not None and last.end == stretch.start and last.service == stretch.service:
            out[-1] = replace(last, end=stretch.end)
        else:
            out.append(stretch)
    return tuple(out)


def _merge_assignment(old: ShiftAssignment, new: ShiftAssignment, cut: str) -> ShiftAssignment:
    kept_breaks = [b for b in old.breaks if b.start < cut]
    resume = max([b.end for b in kept_breaks], default=cut)
    breaks = (*kept_breaks, *(b for b in new.breaks if b.start >= resume))
    serving = _join(_clip(old.serving, cut), [s for s in new.serving if s.start >= resume])
    return replace(
        new, start=old.start, shift_type=old.shift_type, paid_hours=old.paid_hours, breaks=breaks, serving=serving
    )


def merge_rest_of_day(day: Plan, rest: Plan) -> Plan:
    if not rest.intervals:
        return day
    cut = rest.intervals[0].start
    previous = {a.staff_id: a for a in day.assignments}
    assignments: list[ShiftAssignment] = []
    replanned = set()
    for new in rest.assignments:
        old = previous.get(new.staff_id)
        replanned.add(new.staff_id)
        assignments.append(_merge_assignment(old, new, cut) if old and old.start < cut else new)
    assignments += [a for a in day.assignments if a.staff_id not in replanned and a.start < cut]
    assignments.sort(key=lambda a: (a.start, a.staff_id))
    shortfalls = (*(s for s in day.shortfalls if s.start < cut), *rest.shortfalls)
    return replace(
        rest,
        branch_id=day.branch_id,
        date=day.date,
        intervals=(*(r for r in day.intervals if r.start < cut), *rest.intervals),
        assignments=tuple(assignments),
        shortfalls=shortfalls,
        replanned_from=cut,
        paid_hours=sum(float(a.paid_hours) for a in assignments),
        people=len(assignments),
        status="INFEASIBLE" if shortfalls else rest.status,
    )


def same_plan(a: Plan, b: Plan) -> bool:
    """Same windows per interval and the same people, shifts, breaks and stretches."""
    return a.intervals == b.intervals and a.assignments == b.assignments


def window_changes(a: Plan, b: Plan, since: str, until: str = "99:99") -> int:
    """Window-intervals that differ between two plans from ``since`` to ``until`` (open windows per service)."""
    rows_a = {r.start: r.open_windows for r in a.intervals if since <= r.start < until}
    rows_b = {r.start: r.open_windows for r in b.intervals if since <= r.start < until}
    total = 0
    for start in set(rows_a) | set(rows_b):
        wa, wb = rows_a.get(start, {}), rows_b.get(start, {})
        total += sum(abs(wa.get(s, 0) - wb.get(s, 0)) for s in set(wa) | set(wb))
    return total


def meaningful_change(
    current: Plan, new: Plan, since: str, min_window_intervals: int, min_paid_hours: float, until: str = "99:99"
) -> bool:
    """Worth a new plan version: at least ``min_window_intervals`` window-intervals differ from ``since`` to
    ``until`` (the floor's horizon: later hours are re-planned again before they come), the paid hours move
    by ``min_paid_hours`` or more, or the shortfalls appear or go. Smaller differences (a solver's equivalent
    reshuffle, one window one interval earlier) keep the current plan: no churn."""
    if bool(current.shortfalls) != bool(new.shortfalls):
        return True
    if abs(float(new.paid_hours) - float(current.paid_hours)) >= min_paid_hours:
        return True
    return window_changes(current, new, since, until) >= min_window_intervals
