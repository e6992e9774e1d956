from __future__ import annotations

from dataclasses import replace
from typing import Any

from services.staffing.domain.merge import merge_rest_of_day, same_plan
from services.staffing.domain.plan_json import plan_from_json, plan_to_json
from tests.unit.staffing.plans import typed_plan


def _row(start: str, n: int) -> dict[str, Any]:
    return {"start": start, "required": {"general": n}, "open_windows": {"general": n}}


DAY: dict[str, Any] = {
    "branch_id": "b",
    "date": "2026-12-01",
    "status": "OPTIMAL",
    "intervals": [_row("09:00", 1), _row("09:30", 2), _row("10:00", 2)],
    "assignments": [
        {
            "staff_id": "a",
            "shift_type": "4h",
            "start": "09:00",
            "end": "13:00",
            "paid_hours": 3.5,
            "breaks": [{"start": "09:30", "end": "10:00"}],
            "serving": [
                {"start": "09:00", "end": "09:30", "service": "general"},
                {"start": "10:00", "end": "13:00", "service": "general"},
            ],
        },
        {
            "staff_id": "b",
            "shift_type": "2h",
            "start": "09:00",
            "end": "09:30",
            "paid_hours": 0.5,
            "breaks": [],
            "serving": [{"start": "09:00", "end": "09:30", "service": "general"}],
        },
        {
            "staff_id": "c",
            "shift_type": "2h",
            "start": "10:00",
            "end": "12:00",
            "paid_hours": 2,
            "breaks": [],
            "serving": [{"start": "10:00", "end": "12:00", "service": "general"}],
        },
    ],
    "shortfalls": [{"start": "09:00", "service": "general", "rule": "requirement", "missing_windows": 1}],
    "version": 3,
}
REST: dict[str, Any] = {
    "branch_id": "b",
    "date": "2026-12-01",
    "status": "OPTIMAL",
    "solve_ms": 12.0,
    "cost": 5.0,
    "intervals": [_row("10:00", 3)],
    "assignments": [
        {
            "staff_id": "a",
            "shift_type": "4h",
            "start": "10:00",
            "end": "13:00",
            "paid_hours": 3.0,
            "breaks": [],
            "serving": [{"start": "10:00", "end": "13:00", "service": "general"}],
        },
        {
            "staff_id": "d",
            "shift_type": "2h",
            "start": "10:00",
            "end": "12:00",
            "paid_hours": 2,
            "breaks": [],
            "serving": [{"start": "10:00", "end": "12:00", "service": "general"}],
        },
    ],
    "shortfalls": [],
}


def test_merge_keeps_the_morning_and_takes_the_rest() -> None:
    day, rest = typed_plan(**DAY), typed_plan(**REST)
    typed = merge_rest_of_day(day, rest)
    merged = plan_to_json(typed)
    assert [r["start"] for r in merged["intervals"]] == ["09:00", "09:30", "10:00"]
    assert merged["intervals"][-1]["open_windows"] == {"general": 3}
    by_id = {a["staff_id"]: a for a in merged["assignments"]}
    assert set(by_id) == {"a", "b", "d"}  # b finished before the cut, c is dropped by the re-plan
    assert by_id["a"]["start"] == "09:00" and by_id["a"]["paid_hours"] == 3.5
    assert by_id["a"]["breaks"] == [{"start": "09:30", "end": "10:00"}]
    assert by_id["a"]["serving"] == [
        {"start": "09:00", "end": "09:30", "service": "general"},
        {"start": "10:00", "end": "13:00", "service": "general"},
    ]
    assert merged["shortfalls"] == DAY["shortfalls"] and merged["status"] == "INFEASIBLE"
    assert merged["replanned_from"] == "10:00" and merged["people"] == 3
    assert merged["solve_ms"] == 12.0 and merged["cost"] == 5.0 and "version" not in merged  # the store numbers it
    assert not same_plan(typed, day) and same_plan(typed, replace(typed, stats=replace(typed.stats, solve_ms=1)))


def test_empty_rest_changes_nothing() -> None:
    day = typed_plan(**DAY)
    assert same_plan(merge_rest_of_day(day, typed_plan(**REST | {"intervals": []})), day)


def test_plan_json_reads_back_as_written() -> None:
    raw = plan_to_json(typed_plan(**DAY))
    assert list(raw) == [
        "branch_id",
        "date",
        "status",
        "solver_status",
        "solve_ms",
        "paid_hours",
        "cost",
        "people",
        "intervals",
        "assignments",
        "shortfalls",
        "loop_rounds",
        "stable",
        "version",
    ]
    assert plan_to_json(plan_from_json(raw)) == raw and raw["assignments"] == DAY["assignments"]
    assert isinstance(raw["assignments"][2]["paid_hours"], int)  # values pass through unconverted
