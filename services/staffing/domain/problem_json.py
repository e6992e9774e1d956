"""A :class:`StaffingProblem` as instance JSON (bench/staffing/README.md format) that parses back to it.

The store keeps a branch's base instance this way: written from the problem parsed at the edge, read
with :func:`.parse.parse_problem` (``parse_problem(problem_to_json(p)) == p``).
"""

from __future__ import annotations

from typing import Any

from .problem import StaffingProblem, StaffMember, minutes_to_clock


def _clock(minutes: int | None) -> str | None:
    return None if minutes is None else minutes_to_clock(minutes)


def _member(member: StaffMember) -> dict[str, Any]:
    return {
        "id": member.id,
        "skills": list(member.skills),
        "shift_types": list(member.shift_types),
        "available": {"from": _clock(member.available_from_min), "to": _clock(member.available_to_min)},
        "cost_per_hour": member.cost_per_hour,
        "previous_shift_end": _clock(member.previous_shift_end_min),
        "late_shifts_recent": member.late_shifts_recent,
    }


def problem_to_json(problem: StaffingProblem) -> dict[str, Any]:
    level, rules, labour = problem.service_level, problem.break_rules, problem.labour_rules
    return {
        "branch_id": problem.branch_id,
        "date": problem.date,
        "interval_minutes": problem.interval_minutes,
        "open": minutes_to_clock(problem.open_min),
        "close": minutes_to_clock(problem.close_min),
        "service_level": {
            "target_wait_min": level.target_wait_min,
            "target_fraction": level.target_fraction,
            "scope": level.scope,
        },
        "min_open_windows": problem.min_open_windows,
        "max_windows": problem.max_windows,
        "services": {
            s.name: {"aht_min": s.aht_min, "patience_min": s.patience_min, "arrivals": list(s.arrivals)}
            for s in problem.services
        },
        "shift_types": [
            {"name": t.name, "length_min": t.length_min, "break_min": t.break_min} for t in problem.shift_types
        ],
        "break_rules": {
            "earliest_after_start_min": rules.earliest_after_start_min,
            "latest_before_end_min": rules.latest_before_end_min,
        },
        "staff": [_member(m) for m in problem.staff],
        "labour_rules": {
            "max_paid_hours_per_day": labour.max_paid_hours_per_day,
            "min_rest_hours": labour.min_rest_hours,
        },
    }
