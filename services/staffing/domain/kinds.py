"""Interchangeable staff: members with the same skills, patterns and cost form one *kind*.

The roster model counts how many people of a kind work each pattern instead of choosing per person,
which removes the symmetry between identical people; names are put back afterwards (:mod:`.naming`).
A member whose pattern is already fixed (intraday: the shift has started) is a kind of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .patterns import ShiftPattern, staff_patterns
from .problem import StaffingProblem, StaffMember


@dataclass(frozen=True)
class StaffKind:
    skills: tuple[str, ...]  # services of this problem the kind can serve, in problem order
    cost_per_hour: float
    patterns: tuple[ShiftPattern, ...]
    members: tuple[StaffMember, ...]
    fixed: bool = False  # every member must work its (single) pattern

    @property
    def count(self) -> int:
        return len(self.members)


def staff_kinds(problem: StaffingProblem, fixed: Mapping[str, ShiftPattern] | None = None) -> tuple[StaffKind, ...]:
    """Group the staff into kinds, in order of first appearance; staff who cannot work are left out."""
    fixed = fixed or {}
    order = problem.service_names
    groups: dict[tuple[object, ...], list[StaffMember]] = {}
    shapes: dict[tuple[object, ...], tuple[tuple[str, ...], float, tuple[ShiftPattern, ...], bool]] = {}
    for member in problem.staff:
        skills = tuple(s for s in order if s in member.skills)
        if not skills:
            continue
        if member.id in fixed:
            key: tuple[object, ...] = ("fixed", member.id)
            patterns: tuple[ShiftPattern, ...] = (fixed[member.id],)
        else:
            patterns = staff_patterns(problem, member)
            if not patterns:
                continue
            key = (skills, member.cost_per_hour, patterns)
        groups.setdefault(key, []).append(member)
        shapes[key] = (skills, member.cost_per_hour, patterns, member.id in fixed)
    return tuple(
        StaffKind(
            skills=shapes[key][0],
            cost_per_hour=shapes[key][1],
            patterns=shapes[key][2],
            members=tuple(members),
            fixed=shapes[key][3],
        )
        for key, members in groups.items()
    )
