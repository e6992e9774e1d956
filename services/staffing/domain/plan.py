"""The typed plan of one branch-day (bench/staffing/README.md format), from the solver to the store and the event.

Clock times are ``"HH:MM"`` strings, as in the plan's JSON; :mod:`.plan_json` turns a plan into that JSON
and back (the store, the routes and the CLI serialise it; nothing in between sees a dict).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A break: ``start`` to ``end``."""

    start: str
    end: str


@dataclass(frozen=True)
class Stretch:
    """Consecutive intervals a person serves one service."""

    start: str
    end: str
    service: str


@dataclass(frozen=True)
class IntervalPlan:
    """Windows needed and windows the roster opens, per service, in the interval starting at ``start``."""

    start: str
    required: Mapping[str, int]
    open_windows: Mapping[str, int]


@dataclass(frozen=True)
class ShiftAssignment:
    staff_id: str
    shift_type: str
    start: str
    end: str
    paid_hours: float
    breaks: tuple[Span, ...]
    serving: tuple[Stretch, ...]


@dataclass(frozen=True)
class PlanShortfall:
    """Windows the plan cannot open: ``rule`` is ``requirement`` (of ``service``) or ``min_open_windows``."""

    start: str
    service: str | None
    rule: str
    missing_windows: int


@dataclass(frozen=True)
class SolveStats:
    solver_status: str  # OPTIMAL | FEASIBLE (CP-SAT) | HEURISTIC (greedy plan kept)
    solve_ms: float
    loop_rounds: int
    stable: bool  # False: the budget or the round limit stopped the closed loop


@dataclass(frozen=True)
class PlanVerification:
    """The roster simulated on the floor (who calls whom, lognormal service times): :mod:`.verified_roster`."""

    worst_interval: float  # lowest share within target of a 15-minute interval, pooled over services
    service_worst: Mapping[str, float]  # per service, its lowest interval share
    target_fraction: float
    replications: int  # simulated days the shares are pooled over
    gap: float | None  # CP-SAT's relative optimality gap of the kept roster (None: greedy plan kept)
    repaired: bool  # the first roster missed somewhere and was re-solved with more windows
    reproducible: bool  # no clock cut a solve or the rounds: the same seed gives this plan anywhere


@dataclass(frozen=True)
class Plan:
    branch_id: str
    date: str
    status: str  # OPTIMAL | FEASIBLE | INFEASIBLE (with named shortfalls)
    stats: SolveStats
    paid_hours: float
    cost: float
    people: int
    intervals: tuple[IntervalPlan, ...]
    assignments: tuple[ShiftAssignment, ...]
    shortfalls: tuple[PlanShortfall, ...]
    replanned_from: str | None = None  # intraday: the first re-planned interval
    version: int | None = None  # given by the store: 1, 2, ... per branch-day
    verification: PlanVerification | None = None  # mixed-skill days with the verifier on
