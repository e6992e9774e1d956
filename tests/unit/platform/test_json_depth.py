"""Issue 24 item 4: ``read_json_body`` bounds how deep a body's arrays and objects nest."""

from __future__ import annotations

from typing import Any

import pytest

from branchops.web.body import MAX_JSON_DEPTH, json_depth


@pytest.mark.parametrize(
    ("value", "depth"),
    [(1, 0), ("[[[", 0), ([], 1), ({}, 1), ({"a": [1, {"b": []}]}, 4), ([[], [[[]]], {}], 4)],
)
def test_depth_counts_arrays_and_objects(value: Any, depth: int) -> None:
    assert json_depth(value) == depth


def test_depth_of_a_value_deeper_than_the_recursion_limit_is_counted_without_recursion() -> None:
    value: Any = []
    for _ in range(50_000):
        value = [value]
    assert json_depth(value) == 50_001 > MAX_JSON_DEPTH
