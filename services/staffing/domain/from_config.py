"""The day's :class:`StaffingProblem` from the branch configuration (``branchops.branch-config.v1``), pure.

What comes from where:

- **hours**: the branch's opening spans of that weekday (``branch.hours``); a holiday or a weekday without
  spans is closed (no problem). Several spans (a lunch closing) are planned as one day from the first
  opening to the last closing; both ends are put on the interval grid (opening rounded down, closing
  rounded down, so a plan never claims minutes after closing).
- **services**: each configured service with its forecast arrivals per interval (:mod:`.history`) and
  its handling time; the day's wait target is the strictest of the services' ``target_wait_min`` (the
  problem has one service level), reached by ``target_fraction`` of the customers.
- **windows**: ``max_windows`` is the number of windows (one teller each); at least one stays open.
- **staff**: everyone not absent that day (``absences``, inclusive dates; a late arrival, ``arrives_at``, is
  available from that time), available that weekday
  (``availability``: from their first span's start to their last span's end, within the opening hours),
  with the skills of configured services, on the shift types whose paid minutes fit their
  ``max_minutes_per_day``.
- **shifts**: a full shift (``full_shift_min`` or the whole day if shorter, with an unpaid
  ``full_break_min`` when it lasts six hours or more) and a half shift (``half_shift_min``).

Weekly limits (``max_minutes_per_week``) need the other days' plans and are not applied yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from branchops.contracts.branch_config import BranchConfig, OpeningSpan, StaffConfig, Weekday

from .parse import parse_problem
from .problem import StaffingProblem, minutes_to_clock

WEEKDAYS = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI, Weekday.SAT, Weekday.SUN)
LONG_SHIFT_MIN = 360  # a shift this long or longer has an unpaid break


@dataclass(frozen=True)
class PlanningRules:
    """How a configuration becomes a problem: what the configuration does not say."""

    interval_minutes: int = 15
    target_fraction: float = 0.8
    full_shift_min: int = 480
    full_break_min: int = 60
    half_shift_min: int = 240
    break_earliest_after_start_min: int = 120
    break_latest_before_end_min: int = 120
    default_aht_min: float = 6.0


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _envelope(spans: Sequence[OpeningSpan]) -> tuple[int, int] | None:
    if not spans:
        return None
    return min(_minutes(s.open) for s in spans), max(_minutes(s.close) for s in spans)


def opening_hours(config: BranchConfig, day: dt.date, interval: int = 15) -> tuple[int, int] | None:
    """(open, close) in minutes of the local day on the interval grid; None when the branch is closed."""
    if any(h.date == day for h in config.branch.holidays):
        return None
    envelope = _envelope(config.branch.hours.get(WEEKDAYS[day.weekday()], []))
    if envelope is None:
        return None
    open_min, close_min = envelope[0] // interval * interval, envelope[1] // interval * interval
    return (open_min, close_min) if close_min > open_min else None


def is_absent(member: StaffConfig, day: dt.date) -> bool:
    """Away the whole day (a late arrival, ``arrives_at``, is not: see :func:`arrives_at`)."""
    return any(a.start <= day <= a.end and a.arrives_at is None for a in member.absences)


def arrives_at(member: StaffConfig, day: dt.date) -> int | None:
    """The minute of the local day a late arrival comes in that day (the latest if marked twice), else None."""
    late = [_minutes(a.arrives_at) for a in member.absences if a.arrives_at is not None and a.start <= day <= a.end]
    return max(late) if late else None


def _shift_types(day_min: int, rules: PlanningRules) -> list[dict[str, Any]]:
    grid = rules.interval_minutes
    full = min(rules.full_shift_min, day_min) // grid * grid
    room = full - rules.break_earliest_after_start_min - rules.break_latest_before_end_min
    brk = rules.full_break_min if full >= LONG_SHIFT_MIN and room >= rules.full_break_min else 0
    types = [{"name": "full", "length_min": full, "break_min": brk // grid * grid}]
    half = min(rules.half_shift_min, day_min) // grid * grid
    if 0 < half < full:
        types.append({"name": "half", "length_min": half, "break_min": 0})
    return types


def _member(
    member: StaffConfig, day: dt.date, hours: tuple[int, int], services: set[str], shifts: list[dict[str, Any]]
) -> dict[str, Any] | None:
    if is_absent(member, day):
        return None
    available = _envelope(member.availability.get(WEEKDAYS[day.weekday()], []))
    if available is None:
        return None
    start, end = max(available[0], hours[0], arrives_at(member, day) or 0), min(available[1], hours[1])
    skills = [s.value for s in member.skills if s.value in services]
    allowed = [t["name"] for t in shifts if t["length_min"] - t["break_min"] <= member.max_minutes_per_day]
    if end <= start or not skills or not allowed:
        return None
    return {
        "id": member.id,
        "skills": skills,
        "shift_types": allowed,
        "available": {"from": minutes_to_clock(start), "to": minutes_to_clock(end)},
        "cost_per_hour": 1.0,
    }


def problem_from_config(
    branch_id: str,
    config: BranchConfig,
    day: dt.date,
    arrivals: Mapping[str, Sequence[float]],
    aht_min: Mapping[str, float],
    rules: PlanningRules = PlanningRules(),
) -> StaffingProblem | None:
    """The day's problem (None: the branch is closed that day, or offers no service).

    ``arrivals``: per service code, one expected count per interval from the opening (missing: none);
    ``aht_min``: per service code (missing: ``rules.default_aht_min``). Raises ``InvalidInstance`` when
    the result cannot be planned (e.g. no arrivals at all).
    """
    hours = opening_hours(config, day, rules.interval_minutes)
    if hours is None or not config.services:
        return None
    n_intervals = (hours[1] - hours[0]) // rules.interval_minutes
    codes = [s.code.value for s in config.services]
    shifts = _shift_types(hours[1] - hours[0], rules)
    staff = [m for m in (_member(s, day, hours, set(codes), shifts) for s in config.staff) if m is not None]
    instance = {
        "branch_id": branch_id,
        "date": day.isoformat(),
        "interval_minutes": rules.interval_minutes,
        "open": minutes_to_clock(hours[0]),
        "close": minutes_to_clock(hours[1]),
        "service_level": {
            "target_wait_min": float(min(s.target_wait_min for s in config.services)),
            "target_fraction": rules.target_fraction,
            "scope": "every_interval",
        },
        "min_open_windows": 1 if config.windows else 0,
        "max_windows": max(len(config.windows), 1),
        "services": {
            code: {
                "aht_min": float(aht_min.get(code, rules.default_aht_min)),
                "patience_min": None,
                "arrivals": [float(v) for v in _sized(arrivals.get(code, ()), n_intervals)],
            }
            for code in codes
        },
        "shift_types": shifts,
        "break_rules": {
            "earliest_after_start_min": rules.break_earliest_after_start_min if shifts[0]["break_min"] else 0,
            "latest_before_end_min": rules.break_latest_before_end_min if shifts[0]["break_min"] else 0,
        },
        "staff": staff,
    }
    return parse_problem(instance)


def _sized(values: Sequence[float], n: int) -> list[float]:
    out = [max(float(v), 0.0) for v in values[:n]]
    return out + [0.0] * (n - len(out))
