"""The simulated floor (simulation/floor.py): tellers sit where staffing's plan says, late ones are away,
and the alerts a manager acknowledged are acted on after a human-like delay."""

from __future__ import annotations

import random
from typing import Any

from simulation.floor import ACT_DELAY_MIN, Orders, clock_of, seats_from_plan, seats_from_windows
from simulation.live_branch import demo_day

_, WINDOWS = demo_day()


def _shift(staff: str, service: str, start: str = "09:00", end: str = "17:00", **extra: Any) -> dict[str, Any]:
    return {
        "staff_id": staff,
        "start": start,
        "end": end,
        "breaks": [],
        "serving": [{"start": start, "end": end, "service": service}],
        **extra,
    }


PLAN = {
    "version": 3,
    "assignments": [
        _shift("t01", "general"),
        _shift("t08", "cash", breaks=[{"start": "11:00", "end": "12:00"}]),
        _shift("t13", "general", start="10:00", end="14:00"),  # a floater: the first free general window
        _shift("t11", "cash"),  # the mixed window m1 is t11's own
        _shift("t09", "general"),  # c2 is t09's own but serves cash only: a general window instead
    ],
}


def test_clock_of_counts_from_the_opening() -> None:
    assert (clock_of(0), clock_of(75.5), clock_of(479)) == ("09:00", "10:15", "16:59")


def test_seats_follow_the_plan_own_window_first() -> None:
    seats = seats_from_plan(PLAN, 90.0, WINDOWS)  # 10:30
    by_staff = {s.staff_id: w for w, s in seats.items()}
    assert by_staff["t01"] == "g1" and by_staff["t08"] == "c1" and by_staff["t11"] == "m1"
    assert by_staff["t09"].startswith("g") and by_staff["t13"].startswith("g")
    assert len(set(by_staff.values())) == len(by_staff)
    lunch = seats_from_plan(PLAN, 150.0, WINDOWS)  # 11:30: t08 on a break, t13 on shift
    assert "c1" not in lunch and "t13" in {s.staff_id for s in lunch.values()}
    early = seats_from_plan(PLAN, 30.0, WINDOWS, absent={"t01"})
    assert "t01" not in {s.staff_id for s in early.values()} and "t13" not in {s.staff_id for s in early.values()}


def test_without_a_plan_the_fixed_day_with_each_window_s_own_teller() -> None:
    seats = seats_from_windows(WINDOWS, 0.0)
    assert seats["g1"].staff_id == "t01" and seats["c1"].staff_id == "t08" and "g4" not in seats


def test_acknowledged_alerts_are_acted_on_after_a_delay_and_for_a_while() -> None:
    orders, rng = Orders(), random.Random(1)
    alerts = [
        {"alert_id": "a1", "kind": "open_window", "window_id": "g6", "staff_id": "t14", "status": "acknowledged"},
        {"alert_id": "a2", "kind": "close_window", "window_id": "c1", "staff_id": "t08", "status": "acknowledged"},
        {"alert_id": "a3", "kind": "camera_down", "status": "acknowledged"},
        {"alert_id": "a4", "kind": "sla_risk", "status": "open"},
    ]
    assert orders.learn(alerts, 60.0, rng) == ["a1", "a2", "a3"]
    assert orders.learn(alerts, 61.0, rng) == [], "once per alert"
    acted = orders.acted_at("open_window")[0]
    assert 60.0 + ACT_DELAY_MIN[0] <= acted <= 60.0 + ACT_DELAY_MIN[1]
    before, after = (
        seats_from_plan(PLAN, 60.5, WINDOWS, orders=orders),
        seats_from_plan(PLAN, 67.0, WINDOWS, orders=orders),
    )
    assert "g6" not in before and "c1" in before
    assert after["g6"].staff_id == "t14" and "c1" not in after and "t08" not in {s.staff_id for s in after.values()}
    assert orders.camera_fixed_at() is not None
    assert seats_from_plan(PLAN, 200.0, WINDOWS, orders=orders).get("c1") is not None, "the plan decides again"
