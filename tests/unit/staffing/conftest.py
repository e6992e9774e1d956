"""Small instances for the staffing domain tests (the reference day lives in bench/staffing/)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REFERENCE = Path(__file__).resolve().parents[3] / "bench" / "staffing" / "reference_day.json"


def small_instance(staff_count: int = 6) -> dict[str, Any]:
    """A 4-hour morning, 16 x 15 min, one service, staff on 2h/4h shifts."""
    return {
        "branch_id": "t-001",
        "date": "2026-12-01",
        "interval_minutes": 15,
        "open": "09:00",
        "close": "13:00",
        "service_level": {"target_wait_min": 10.0, "target_fraction": 0.8, "scope": "every_interval"},
        "min_open_windows": 1,
        "max_windows": 6,
        "services": {
            "general": {
                "aht_min": 6.0,
                "patience_min": None,
                "arrivals": [4, 5, 6, 8, 9, 10, 10, 9, 8, 7, 6, 6, 5, 5, 4, 4],
            },
        },
        "shift_types": [
            {"name": "2h", "length_min": 120, "break_min": 0},
            {"name": "4h", "length_min": 240, "break_min": 30},
        ],
        "break_rules": {"earliest_after_start_min": 60, "latest_before_end_min": 60},
        "staff": [
            {
                "id": f"s{i:02d}",
                "skills": ["general"],
                "shift_types": ["2h", "4h"],
                "available": {"from": "09:00", "to": "13:00"},
                "cost_per_hour": 1.0,
            }
            for i in range(1, staff_count + 1)
        ],
    }


@pytest.fixture
def make_small() -> Callable[..., dict[str, Any]]:
    return lambda staff_count=6: copy.deepcopy(small_instance(staff_count))


@pytest.fixture
def reference() -> dict[str, Any]:
    return json.loads(REFERENCE.read_text())
