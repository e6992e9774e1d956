"""Service-time drift (services/staffing/domain/drift.py): when recent handling times count, and how they
enter the problem."""

from __future__ import annotations

from typing import Any

import pytest

from services.staffing.domain.drift import DriftRule, drifted_handling_times, with_handling_times
from services.staffing.solve import parse_instance

PLANNED = {"general": 6.0, "cash": 4.0}


def spread(mean: float, n: int, width: float = 0.2, age: float = 45.0) -> list[tuple[float, float]]:
    """``n`` tickets begun ``age`` minutes ago, handling times around ``mean`` +-``width`` (mean exact)."""
    return [(age, mean * (1 - width + 2 * width * i / (n - 1))) for i in range(n)]


def test_a_slower_service_with_enough_tickets_drifts() -> None:
    drifts = drifted_handling_times({"general": spread(7.5, 20), "cash": spread(4.2, 20)}, PLANNED)
    assert set(drifts) == {"general"}  # cash is within 10%
    assert drifts["general"].recent_min == pytest.approx(7.5) and drifts["general"].factor == pytest.approx(1.25)
    assert drifts["general"].samples == 20


def test_faster_service_drifts_too() -> None:
    assert drifted_handling_times({"cash": spread(3.0, 12)}, PLANNED)["cash"].recent_min == pytest.approx(3.0)


def test_too_few_tickets_do_not_move_the_plan() -> None:
    assert drifted_handling_times({"general": spread(12.0, 11)}, PLANNED) == {}
    few = drifted_handling_times({"general": spread(12.0, 3)}, PLANNED, DriftRule(min_samples=3))
    assert few["general"].samples == 3


def test_a_few_long_customers_are_noise_not_a_drift() -> None:
    times = [4.0, 5.0, 6.0, 7.0] * 4 + [30.0, 26.0]  # two customers sat half an hour: mean 8.1, widely spread
    assert sum(times) / len(times) > 6.0 * 1.1  # beyond the 10% threshold ...
    assert drifted_handling_times({"general": [(60.0, t) for t in times]}, PLANNED) == {}  # ... not beyond noise


def test_only_services_begun_long_enough_ago_and_inside_the_window_count() -> None:
    fresh = spread(3.0, 20, age=10.0)  # begun 10 min ago, done already: the short ones of a 6-minute service
    assert drifted_handling_times({"general": fresh}, PLANNED) == {}  # under settle x 6 = 12 min: not yet
    old = spread(3.0, 20, age=120.0)  # begun two hours ago: outside the 90-minute window
    assert drifted_handling_times({"general": old}, PLANNED) == {}
    assert set(drifted_handling_times({"general": spread(3.0, 20, age=12.0)}, PLANNED)) == {"general"}


def test_a_drift_is_bounded_and_zero_times_are_ignored() -> None:
    assert drifted_handling_times({"general": spread(40.0, 12)}, PLANNED)["general"].recent_min == 12.0
    assert drifted_handling_times({"general": [(30.0, 0.0)] * 20}, PLANNED) == {}
    assert drifted_handling_times({"fx": spread(9.0, 12)}, PLANNED) == {}  # no planned time: nothing to compare


@pytest.mark.parametrize(
    "rule",
    [
        {"window_min": 0},
        {"min_samples": 1},
        {"threshold": 0},
        {"threshold": 1.5},
        {"z": -1},
        {"settle": -1},
        {"max_factor": 0.5},
    ],
)
def test_invalid_rules_are_refused(rule: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="invalid drift rule"):
        DriftRule(**rule)  # type: ignore[arg-type]


def test_the_problem_takes_the_drifted_times_only(reference: dict[str, Any]) -> None:
    problem = parse_instance(reference)
    names = [s.name for s in problem.services]
    planned = {s.name: s.aht_min for s in problem.services}
    drifts = drifted_handling_times({names[0]: spread(planned[names[0]] * 1.5, 12)}, planned)
    changed = with_handling_times(problem, drifts)
    assert changed.services[0].aht_min == pytest.approx(planned[names[0]] * 1.5)
    assert [s.aht_min for s in changed.services[1:]] == [s.aht_min for s in problem.services[1:]]
    assert changed.services[0].arrivals == problem.services[0].arrivals
    assert with_handling_times(problem, {}) is problem
