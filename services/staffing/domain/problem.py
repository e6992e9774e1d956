"""Typed staffing problem: one branch-day, values only (built by :mod:`.parse`)."""

from __future__ import annotations

from dataclasses import dataclass, field

MINUTES_PER_DAY = 24 * 60


def minutes_to_clock(minutes: int) -> str:
    """``540`` -> ``"09:00"`` (minutes since midnight)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class ServiceLevel:
    target_wait_min: float
    target_fraction: float
    scope: str = "every_interval"  # or "day"


@dataclass(frozen=True)
class ServiceDemand:
    """Forecast walk-ins of one service: expected arrivals per interval, exponential service."""

    name: str
    arrivals: tuple[float, ...]
    aht_min: float
    patience_min: float | None = None


@dataclass(frozen=True)
class ShiftType:
    name: str
    length_min: int  # elapsed, break included
    break_min: int  # unpaid

    @property
    def paid_min(self) -> int:
        return self.length_min - self.break_min


@dataclass(frozen=True)
class BreakRules:
    earliest_after_start_min: int = 0
    latest_before_end_min: int = 0


@dataclass(frozen=True)
class LabourRules:
    max_paid_hours_per_day: float | None = None
    min_rest_hours: float | None = None


@dataclass(frozen=True)
class StaffMember:
    id: str
    skills: tuple[str, ...]
    shift_types: tuple[str, ...]
    available_from_min: int
    available_to_min: int
    cost_per_hour: float = 1.0
    previous_shift_end_min: int | None = None  # minutes after the previous day's midnight
    late_shifts_recent: int = 0  # fairness: late shifts already worked in the recent period


@dataclass(frozen=True)
class StaffingProblem:
    branch_id: str
    date: str
    interval_minutes: int
    open_min: int
    close_min: int
    service_level: ServiceLevel
    services: tuple[ServiceDemand, ...]
    min_open_windows: int
    max_windows: int
    shift_types: tuple[ShiftType, ...]
    break_rules: BreakRules
    staff: tuple[StaffMember, ...]
    labour_rules: LabourRules = field(default_factory=LabourRules)

    @property
    def n_intervals(self) -> int:
        return (self.close_min - self.open_min) // self.interval_minutes

    @property
    def service_names(self) -> tuple[str, ...]:
        return tuple(service.name for service in self.services)

    def interval_start(self, index: int) -> str:
        return minutes_to_clock(self.open_min + index * self.interval_minutes)

    def shift_type(self, name: str) -> ShiftType:
        for shift_type in self.shift_types:
            if shift_type.name == name:
                return shift_type
        raise KeyError(name)


Requirement = dict[str, tuple[int, ...]]
"""Windows needed per service and interval."""
