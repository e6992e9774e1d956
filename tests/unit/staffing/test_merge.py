from __future__ import annotations

from typing import Any

from services.staffing.domain.merge import merge_rest_of_day, same_plan


def _row(start: str, n: int) -> dict[str, Any]:
    return {"start": start, "required": {"general": n}, "open_windows": {"general": n}}


DAY: dict[str, Any] = {
    "branch_id": "b", "date": "2026-12-01", "status": "OPTIMAL",
    "intervals": [_row("09:00", 1), _row("09:30", 2), _row("10:00", 2)],
    "assignments": [
        {"staff_id": "a", "shift_type": "4h", "start": "09:00", "end": "13:00", "paid_hours": 3.5,
         "breaks": [{"start": "09:30", "end": "10:00"}],
         "serving": [{"start": "09:00", "end": "09:30", "service": "general"},
                     {"start": "10:00", "end": "13:00", "service": "general"}]},
        {"staff_id": "b", "shift_type": "2h", "start": "09:00", "end": "09:30", "paid_hours": 0.5, "breaks": [],
         "serving": [{"start": "09:00", "end": "09:30", "service": "general"}]},
        {"staff_id": "c", "shift_type": "2h", "start": "10:00", "end": "12:00", "paid_hours": 2, "breaks": [],
         "serving": [{"start": "10:00", "end": "12:00", "service": "general"}]},
    ],
    "shortfalls": [{"start": "09:00", "service": "general", "rule": "requirement", "missing_windows": 1}],
}
REST: dict[str, Any] = {
    "branch_id": "b", "date": "2026-12-01", "status": "OPTIMAL", "solve_ms": 12.0, "cost": 5.0,
    "intervals": [_row("10:00", 3)],
    "assignments": [
        {"staff_id": "a", "shift_type": "4h", "start": "10:00", "end": "13:00", "paid_hours": 3.0, "breaks": [],
         "serving": [{"start": "10:00", "end": "13:00", "service": "general"}]},
        {"staff_id": "d", "shift_type": "2h", "start": "10:00", "end": "12:00", "paid_hours": 2, "breaks": [],
         "serving": [{"start": "10:00", "end": "12:00", "service": "general"}]},
    ],
    "shortfalls": [],
}


def test_merge_keeps_the_morning_and_takes_the_rest() -> None:
    merged = merge_rest_of_day(DAY, REST)
    assert [r["start"] for r in merged["intervals"]] == ["09:00", "09:30", "10:00"]
    assert merged["intervals"][-1]["open_windows"] == {"general": 3}
    by_id = {a["staff_id"]: a for a in merged["assignments"]}
    assert set(by_id) == {"a", "b", "d"}  # b finished before the cut, c is dropped by the re-plan
    assert by_id["a"]["start"] == "09:00" and by_id["a"]["paid_hours"] == 3.5
    assert by_id["a"]["breaks"] == [{"start": "09:30", "end": "10:00"}]
    assert by_id["a"]["serving"] == [{"start": "09:00", "end": "09:30", "service": "general"},
                                     {"start": "10:00", "end": "13:00", "service": "general"}]
    assert merged["shortfalls"] == DAY["shortfalls"] and merged["status"] == "INFEASIBLE"
    assert merged["replanned_from"] == "10:00" and merged["people"] == 3
    assert not same_plan(merged, DAY) and same_plan(merged, dict(merged, solve_ms=1))


def test_empty_rest_changes_nothing() -> None:
    assert same_plan(merge_rest_of_day(DAY, dict(REST, intervals=[])), DAY)
