from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from services.staffing.domain.problem_json import problem_to_json
from services.staffing.solve import InvalidInstance, parse_instance


def test_reference_day_parses(reference: dict[str, Any]) -> None:
    problem = parse_instance(reference)
    assert problem.n_intervals == 32
    assert problem.service_names == ("general",)
    assert problem.shift_type("8h").paid_min == 420
    assert len(problem.staff) == 12


def _with(instance: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, leaf = path.split(".")
    node: Any = instance
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is KeyError:
        del node[leaf]
    else:
        node[int(leaf) if isinstance(node, list) else leaf] = value
    return instance


BAD = [
    ("interval_minutes", 7, "does not divide"),
    ("interval_minutes", 0, "at least 1"),
    ("close", "08:00", "close must be after open"),
    ("open", "9am", "HH:MM"),
    ("services.general.arrivals", [4, 5], "one value per interval"),
    ("services.general.arrivals", [-1] * 16, "at least 0"),
    ("services.general.arrivals", [0] * 16, "no arrivals"),
    ("services.general.aht_min", 0, "greater than 0"),
    ("services.general.arrivals", [1e18] * 16, "at most 10000"),  # issue 24: 500 "lam value too large" after 2.8 s
    ("services.general.arrivals", [3] * 15 + [10_001], "at most 10000"),
    ("services.general.aht_min", 1e9, "at most 480"),
    ("services", {}, "non-empty"),
    ("staff.0.skills", [], "has no skills"),
    ("staff.0.shift_types", ["12h"], "unknown shift type"),
    ("staff.1.id", "s01", "duplicate staff id"),
    ("staff.0.available", {"from": "12:00", "to": "10:00"}, "ends before it starts"),
    ("min_open_windows", 9, "exceeds max_windows"),
    ("max_windows", KeyError, "max_windows is missing"),
    ("service_level.target_fraction", 1.5, "(0, 1)"),
    ("service_level.scope", "week", "scope"),
    ("shift_types.1.break_min", 150, "break_rules leave"),
    ("shift_types.0.length_min", 100, "multiples of 15"),
    ("break_rules.earliest_after_start_min", "soon", "integer"),
]


@pytest.mark.parametrize(("path", "value", "reason"), BAD, ids=[f"{p}={v}" for p, v, _ in BAD])
def test_bad_input_raises_readable_value_error(
    make_small: Callable[..., dict[str, Any]], path: str, value: Any, reason: str
) -> None:
    with pytest.raises(InvalidInstance) as caught:
        parse_instance(_with(make_small(), path, value))
    assert isinstance(caught.value, ValueError)
    assert reason in str(caught.value)


@pytest.mark.parametrize("instance", [None, [], "x"])
def test_non_object_instance_is_rejected(instance: Any) -> None:
    with pytest.raises(InvalidInstance):
        parse_instance(instance)


def test_a_problem_written_as_instance_json_parses_back_to_itself(
    reference: dict[str, Any], make_small: Callable[..., dict[str, Any]]
) -> None:
    small = make_small(3)
    small["labour_rules"] = {"max_paid_hours_per_day": 3, "min_rest_hours": 11}
    small["staff"][0]["previous_shift_end"] = "23:00"
    small["staff"][1]["available"] = {"from": "10:00"}
    small["staff"][2]["late_shifts_recent"] = 2
    for instance in (reference, small):
        problem = parse_instance(instance)
        assert parse_instance(json.loads(json.dumps(problem_to_json(problem)))) == problem
