from __future__ import annotations

import pytest

from services.staffing.domain.alerts import FloorNow, PlanNow, ServiceNow, StaffNow, WindowNow, plan_now, propose_alerts
from tests.unit.staffing.plans import typed_plan

NOW = 11 * 60


def _floor(
    wait: float,
    *,
    windows: tuple[WindowNow, ...] | None = None,
    staff: tuple[StaffNow, ...] | None = None,
    queue: int = 5,
) -> FloorNow:
    return FloorNow(
        now_min=NOW,
        target_wait_min=10.0,
        windows=windows or (WindowNow("W1", True, "a", "general"), WindowNow("W2", False), WindowNow("W3", False)),
        staff=staff
        or (
            StaffNow("a", "serving", ("general",)),
            StaffNow("b", "idle", ("general",)),
            StaffNow("c", "idle", ("cash",)),
        ),
        services=(ServiceNow("general", queue, wait),),
    )


CASES = [
    # wait, planned windows, staff override, expected (kind, window, staff)
    (14.0, 1, None, [("open_window", "W2", "b")]),
    (5.0, 2, None, [("open_window", "W2", "b")]),
    (8.0, 1, None, []),
    (14.0, 1, (StaffNow("a", "serving", ("general",), break_starts_min=NOW + 5),), [("delay_break", None, "a")]),
    (
        14.0,
        1,
        (StaffNow("a", "serving", ("general",)), StaffNow("d", "on_break", ("general",))),
        [("recall_staff", None, "d")],
    ),
    (14.0, 1, (StaffNow("a", "serving", ("general",)),), [("sla_risk", None, None)]),
    (2.0, 0, None, []),  # queue > 0 keeps the last window
]


@pytest.mark.parametrize(("wait", "planned", "staff", "expected"), CASES)
def test_alert_table(
    wait: float, planned: int, staff: tuple[StaffNow, ...] | None, expected: list[tuple[str, str | None, str | None]]
) -> None:
    alerts, _ = propose_alerts(_floor(wait, staff=staff), PlanNow({"general": planned}), {})
    assert [(a.kind, a.window_id, a.staff_id) for a in alerts] == expected
    for alert in alerts:
        assert alert.expires_min > NOW
        assert set(alert.message) == {"zh", "en"} and all(alert.message.values())


def test_open_message_gives_the_reason() -> None:
    alerts, _ = propose_alerts(_floor(14.0), PlanNow({"general": 1}), {})
    assert "predicted wait 14 min vs target 10 min" in alerts[0].message["en"]
    assert "预计等候 14 分钟" in alerts[0].message["zh"]


def test_close_when_calm_and_plan_wants_fewer() -> None:
    windows = (WindowNow("W1", True, "a", "general"), WindowNow("W2", True, "b", "general"))
    alerts, memory = propose_alerts(
        _floor(1.0, windows=windows, queue=0), PlanNow({"general": 1}, {"a": "general"}), {}
    )
    assert [(a.kind, a.window_id) for a in alerts] == [("close_window", "W2")]
    assert memory == {"W2": ("close_window", NOW)}


def test_hysteresis_blocks_flapping() -> None:
    windows = (WindowNow("W1", True, "a", "general"), WindowNow("W2", True, "b", "general"))
    opened_recently = {"W2": ("open_window", NOW - 5), "W1": ("open_window", NOW - 5)}
    alerts, memory = propose_alerts(_floor(1.0, windows=windows, queue=0), PlanNow({"general": 1}), opened_recently)
    assert alerts == ()
    assert memory == opened_recently
    later, memory = propose_alerts(
        _floor(1.0, windows=windows, queue=0), PlanNow({"general": 1}), {"W2": ("open_window", NOW - 25)}
    )
    assert [a.kind for a in later] == ["close_window"]
    closed_recently = {"W2": ("close_window", NOW - 5)}
    reopen, _ = propose_alerts(_floor(14.0), PlanNow({"general": 1}), closed_recently)
    assert [(a.kind, a.window_id) for a in reopen] == [("open_window", "W3")]


def test_plan_now_reads_a_rendered_plan() -> None:
    plan = typed_plan(
        intervals=[
            {"start": "10:45", "required": {}, "open_windows": {"general": 1}},
            {"start": "11:00", "required": {}, "open_windows": {"general": 2}},
        ],
        assignments=[
            {
                "staff_id": "b",
                "start": "10:30",
                "end": "12:00",
                "serving": [{"start": "10:30", "end": "12:00", "service": "general"}],
            }
        ],
    )
    now = plan_now(plan, NOW + 3)
    assert now.windows == {"general": 2} and now.serving == {"b": "general"}


def test_open_window_names_a_window_that_serves_the_service() -> None:
    windows = (
        WindowNow("W1", True, "a", "general", ("general",)),
        WindowNow("C2", False, skills=("cash",)),
        WindowNow("W3", False, skills=("cash", "general")),
    )
    alerts, _ = propose_alerts(_floor(14.0, windows=windows), PlanNow(windows={"general": 1}), {})
    assert [(a.kind, a.window_id, a.staff_id) for a in alerts] == [("open_window", "W3", "b")]


def test_chinese_messages_name_the_service_as_the_pages_do() -> None:
    alerts, _ = propose_alerts(_floor(14.0), PlanNow(windows={"general": 1}), {})
    assert "办理综合业务（b）" in alerts[0].message["zh"] and "general" not in alerts[0].message["zh"]
    late = (StaffNow("a", "serving", ("general",), break_starts_min=NOW + 5),)
    delayed, _ = propose_alerts(_floor(14.0, staff=late), PlanNow(windows={"general": 1}), {})
    assert "推迟休息 15 分钟：综合业务" in delayed[0].message["zh"], delayed[0].message
