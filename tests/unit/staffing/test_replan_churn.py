"""No plan churn: a re-plan is published only when it changes the plan meaningfully, and the intraday loop
re-plans a branch at most once per gap of the platform clock (triggers wait), at least once per period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.staffing.domain.merge import meaningful_change, window_changes
from services.staffing.settings import StaffingSettings
from services.staffing.usecases.intraday import Intraday
from tests.unit.staffing.plans import typed_plan


def _rows(counts: list[int], start_h: int = 9) -> list[dict[str, Any]]:
    return [
        {
            "start": f"{start_h + i // 4:02d}:{i % 4 * 15:02d}",
            "required": {"general": n},
            "open_windows": {"general": n},
        }
        for i, n in enumerate(counts)
    ]


def test_small_differences_are_not_a_new_plan() -> None:
    base = typed_plan(intervals=_rows([2, 2, 3, 3, 3, 2, 2, 2]), paid_hours=16.0)
    one_earlier = typed_plan(intervals=_rows([2, 3, 3, 3, 3, 2, 2, 2]), paid_hours=16.0)
    assert window_changes(base, one_earlier, "09:00") == 1
    assert not meaningful_change(base, one_earlier, "09:00", 4, 0.5)


def test_an_extra_window_for_an_hour_more_paid_time_or_a_shortfall_is_a_new_plan() -> None:
    base = typed_plan(intervals=_rows([2, 2, 3, 3, 3, 2, 2, 2]), paid_hours=16.0)
    hour_more = typed_plan(intervals=_rows([2, 2, 4, 4, 4, 3, 2, 2]), paid_hours=16.0)
    assert meaningful_change(base, hour_more, "09:00", 4, 0.5)
    assert not meaningful_change(base, hour_more, "10:30", 4, 0.5), "only the rest of the day counts"
    assert meaningful_change(
        base, typed_plan(intervals=_rows([2, 2, 3, 3, 3, 2, 2, 2]), paid_hours=17.0), "09:00", 4, 0.5
    )
    short = typed_plan(
        intervals=_rows([2, 2, 3, 3, 3, 2, 2, 2]),
        paid_hours=16.0,
        status="INFEASIBLE",
        shortfalls=[{"start": "09:30", "service": "general", "rule": "requirement", "missing_windows": 1}],
    )
    assert meaningful_change(base, short, "09:00", 4, 0.5)


def _loop(**settings: Any) -> Intraday:
    values = {"replan_every_min": 15.0, "replan_min_gap_min": 5.0, "replan_interval_s": 3600.0, **settings}
    return Intraday(
        None,  # type: ignore[arg-type]  # the schedule needs no adapters
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        StaffingSettings(**values),
        lambda: dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC),
        owner="t",
    )


async def test_triggers_wait_for_the_gap_and_the_period_replans_anyway() -> None:
    loop = _loop()
    t0 = dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)
    assert loop.due("b", t0, 0.0), "never re-planned"
    loop._last["b"] = (t0, 0.0)
    loop.trigger("b")
    assert not loop.due("b", t0 + dt.timedelta(minutes=4), 12.0), "triggered inside the gap: waits"
    assert loop.due("b", t0 + dt.timedelta(minutes=5), 15.0), "triggered, gap over"
    loop._dirty.clear()
    assert not loop.due("b", t0 + dt.timedelta(minutes=14), 42.0), "not triggered, period not over"
    assert loop.due("b", t0 + dt.timedelta(minutes=15), 45.0), "the period"
    assert loop.due("b", t0 - dt.timedelta(minutes=1), 50.0), "the clock went back: a new day"
    wall = _loop(replan_interval_s=60.0)
    wall._last["b"] = (t0, 0.0)
    assert wall.due("b", t0 + dt.timedelta(minutes=1), 61.0), "the wall-clock bound"
