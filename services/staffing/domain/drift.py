"""Service-time drift: when the handling times the tellers are taking now differ from what the plan assumed,
the rest of the day is planned with the times of now (pure).

The plan's handling time per service (``ServiceDemand.aht_min``) comes from history. During the day the
staffing service keeps each completed ticket's handling minutes with the time its service began; the intraday
re-plan asks :func:`drifted_handling_times` whether the services begun in the last ``window_min`` minutes
moved a service's mean
away from the plan's time by more than ``threshold`` (relative) *and* by more than ``z`` standard errors of
that mean (the samples' own spread: service times scatter widely, and a few long customers are noise, not
a drift), with at least ``min_samples`` tickets; :func:`with_handling_times` puts the drifted times into the
problem it re-plans. A drift is bounded to ``max_factor`` either way (a data error must not ask for ten
tellers). bench/closed_loop.py runs the same rule.

Only services begun at least ``settle`` times the plan's handling time ago count: most of those have ended,
so the sample is not the short ones alone (taking the completions of the last minutes would be: the long
services begun then are still going; at 09:30 every completion is shorter than half an hour).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from services.staffing.domain.problem import StaffingProblem


@dataclass(frozen=True)
class DriftRule:
    window_min: float = 90.0  # how far back the recent handling times reach (platform minutes)
    min_samples: int = 12  # completed tickets of a service in the window before its mean counts
    threshold: float = 0.10  # relative change of the mean against the plan's time that counts as drift
    z: float = 2.5  # ... and beyond this many standard errors of the recent mean
    settle: float = 2.0  # a service counts once it began this many planned handling times ago
    max_factor: float = 2.0  # the drifted time stays within [plan / max_factor, plan * max_factor]

    def __post_init__(self) -> None:
        bad = (
            self.window_min <= 0 or self.min_samples < 2 or not 0 < self.threshold < 1 or self.z < 0 or self.settle < 0
        )
        if bad or self.max_factor < 1:
            raise ValueError(f"invalid drift rule {self}")


@dataclass(frozen=True)
class Drift:
    service: str
    planned_min: float
    recent_min: float  # the recent mean, bounded by the rule's max_factor
    samples: int

    @property
    def factor(self) -> float:
        return self.recent_min / self.planned_min


def _mean_and_error(values: Sequence[float]) -> tuple[float, float]:
    """The mean and its standard error (sample standard deviation / sqrt(n))."""
    n = len(values)
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(variance / n)


def drifted_handling_times(
    recent: Mapping[str, Sequence[tuple[float, float]]], planned: Mapping[str, float], rule: DriftRule = DriftRule()
) -> dict[str, Drift]:
    """The services whose recent handling minutes drifted from the plan's, by service name.

    ``recent``: per service, (minutes since the service began, handling minutes) of completed tickets;
    ``planned``: the plan's handling time per service. Only services begun between ``settle`` planned handling
    times and ``window_min`` minutes ago count. Services without a planned time, or with too few such tickets,
    or within the threshold or the noise are left out."""
    drifts: dict[str, Drift] = {}
    for service, base in planned.items():
        if base <= 0:
            continue
        oldest, newest = rule.window_min, rule.settle * base
        samples = [m for age, m in recent.get(service, ()) if newest <= age <= oldest and m > 0]
        if len(samples) < rule.min_samples:
            continue
        mean, error = _mean_and_error(samples)
        if abs(mean / base - 1.0) <= rule.threshold or abs(mean - base) <= rule.z * error:
            continue
        bounded = min(max(mean, base / rule.max_factor), base * rule.max_factor)
        drifts[service] = Drift(service, base, bounded, len(samples))
    return drifts


def with_handling_times(problem: StaffingProblem, drifts: Mapping[str, Drift]) -> StaffingProblem:
    """The problem with the drifted services' handling times (the others as they were)."""
    if not drifts:
        return problem
    services = tuple(replace(s, aht_min=drifts[s.name].recent_min) if s.name in drifts else s for s in problem.services)
    return replace(problem, services=services)
