"""Shift patterns: a shift type, a start interval and a break placement, per staff member."""

from __future__ import annotations

from dataclasses import dataclass

from .problem import MINUTES_PER_DAY, StaffingProblem, StaffMember


@dataclass(frozen=True)
class ShiftPattern:
    shift_type: str
    start: int  # interval index
    end: int  # interval index, exclusive
    break_start: int | None
    break_end: int | None
    paid_min: int

    def works(self, interval: int) -> bool:
        if not self.start <= interval < self.end:
            return False
        return self.break_start is None or not (self.break_start <= interval < (self.break_end or 0))

    @property
    def working_intervals(self) -> tuple[int, ...]:
        return tuple(i for i in range(self.start, self.end) if self.works(i))


def _break_offsets(problem: StaffingProblem, length: int, break_len: int) -> list[int | None]:
    if break_len == 0:
        return [None]
    step = problem.interval_minutes
    rules = problem.break_rules
    earliest = -(-rules.earliest_after_start_min // step)  # ceil
    latest = (length * step - rules.latest_before_end_min) // step - break_len
    return list(range(earliest, latest + 1))


def _earliest_start_min(problem: StaffingProblem, member: StaffMember) -> int:
    earliest = max(problem.open_min, member.available_from_min)
    rest = problem.labour_rules.min_rest_hours
    if rest is not None and member.previous_shift_end_min is not None:
        earliest = max(earliest, member.previous_shift_end_min + round(rest * 60) - MINUTES_PER_DAY)
    return earliest


def staff_patterns(problem: StaffingProblem, member: StaffMember) -> tuple[ShiftPattern, ...]:
    """Every pattern ``member`` may work: availability, allowed types, break rules, labour rules."""
    step = problem.interval_minutes
    first = -(-(_earliest_start_min(problem, member) - problem.open_min) // step)
    last_end = (min(problem.close_min, member.available_to_min) - problem.open_min) // step
    max_paid = problem.labour_rules.max_paid_hours_per_day
    patterns: list[ShiftPattern] = []
    for name in member.shift_types:
        shift = problem.shift_type(name)
        if max_paid is not None and shift.paid_min > max_paid * 60 + 1e-9:
            continue
        length, break_len = shift.length_min // step, shift.break_min // step
        for start in range(max(first, 0), last_end - length + 1):
            for offset in _break_offsets(problem, length, break_len):
                patterns.append(
                    ShiftPattern(
                        shift_type=name,
                        start=start,
                        end=start + length,
                        break_start=None if offset is None else start + offset,
                        break_end=None if offset is None else start + offset + break_len,
                        paid_min=shift.paid_min,
                    )
                )
    return tuple(patterns)
