"""Booked appointments in the day's staffing problem (services/staffing/domain/history.py with_appointments,
the queue's answer parsed by services/staffing/adapters/queue_appointments.py)."""

from __future__ import annotations

import pytest

from services.staffing.adapters.queue_appointments import parse_expected
from services.staffing.domain.history import with_appointments

OPEN = 9 * 60  # 09:00


def test_booked_count_with_the_show_share_checked_in_whole_at_their_interval() -> None:
    walk_ins = {"cash": (1.0, 1.0, 1.0, 1.0), "general": (0.5, 0.5, 0.5, 0.5)}
    booked = {("cash", "09:30"): (4, 0), ("cash", "09:40"): (0, 2), ("general", "09:00"): (2, 1)}
    out = with_appointments(walk_ins, booked, 0.75, open_min=OPEN, interval=15, n_intervals=4)
    assert out["cash"] == (1.0, 1.0, 6.0, 1.0)  # 09:30 and 09:40 share the 09:30 interval: 4 x .75 + 2
    assert out["general"] == (3.0, 0.5, 0.5, 0.5)  # 2 x .75 + 1


def test_outside_hours_and_unplanned_services_are_ignored() -> None:
    walk_ins = {"cash": (1.0, 1.0)}
    booked = {("cash", "08:45"): (3, 0), ("cash", "09:30"): (3, 0), ("fx", "09:00"): (5, 0)}
    out = with_appointments(walk_ins, booked, 1.0, open_min=OPEN, interval=15, n_intervals=2)
    assert out == {"cash": (1.0, 1.0)}


def test_short_forecasts_are_padded_and_bad_shares_refused() -> None:
    out = with_appointments(
        {"cash": (2.0,)}, {("cash", "09:15"): (1, 0)}, 1.0, open_min=OPEN, interval=15, n_intervals=3
    )
    assert out["cash"] == (2.0, 1.0, 0.0)
    with pytest.raises(ValueError):
        with_appointments({}, {}, -0.1, open_min=OPEN, interval=15, n_intervals=1)


def test_the_queue_answer_is_parsed_or_refused() -> None:
    body = {"slots": [{"service": "cash", "start": "10:00", "booked": 2, "checked_in": 1}], "show_share": 0.85}
    day = parse_expected(body)
    assert day is not None and day.slots == {("cash", "10:00"): (2, 1)} and day.show_share == 0.85
    assert parse_expected({"slots": [{"service": "cash"}], "show_share": 1}) is None
    assert parse_expected(None) is None
