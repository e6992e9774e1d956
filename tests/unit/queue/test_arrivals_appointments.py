"""Booked appointments in the queue's arrivals forecast (services/queue/domain/arrivals.py, pure)."""

from __future__ import annotations

import pytest

from services.queue.domain.arrivals import (
    SlotForecast,
    booked_per_interval,
    learned_show_share,
    with_appointments,
)


def test_slot_starts_fall_in_their_15_minute_intervals() -> None:
    assert booked_per_interval({"09:00": 2, "09:10": 1, "09:15": 3, "10:30": 0}) == {36: 3, 37: 3}
    assert booked_per_interval({}) == {}


def test_bookings_add_their_show_share_to_the_interval_and_widen_the_range() -> None:
    walk_ins = [SlotForecast(40, 4.0, 2.0, 6.0), SlotForecast(41, 4.0, 2.0, 6.0)]
    out = with_appointments(walk_ins, {41: 5}, current_slot=40, show_share=0.8)
    assert out[0] == walk_ins[0]  # no booking there: unchanged
    assert out[1].expected == pytest.approx(8.0)
    assert out[1].p90 - out[1].expected > walk_ins[1].p90 - walk_ins[1].expected  # a booking may not come
    assert out[1].p10 < out[1].expected < out[1].p90


def test_bookings_before_now_are_ignored_and_later_ones_extend_the_forecast() -> None:
    walk_ins = [SlotForecast(40, 1.0, 0.0, 2.5)]
    out = with_appointments(walk_ins, {30: 9, 48: 2}, current_slot=40, show_share=1.0)
    assert [s.slot for s in out] == [40, 48]
    assert out[0] == walk_ins[0]
    assert out[1] == SlotForecast(48, 2.0, 2.0, 2.0)  # all of them come: no spread


def test_everybody_a_no_show_adds_nothing() -> None:
    walk_ins = [SlotForecast(40, 3.0, 1.0, 5.0)]
    assert with_appointments(walk_ins, {40: 4}, 40, 0.0)[0].expected == pytest.approx(3.0)
    with pytest.raises(ValueError):
        with_appointments(walk_ins, {40: 4}, 40, 1.5)


def test_show_share_is_learned_and_shrunk_toward_the_setting() -> None:
    assert learned_show_share(0, 0, 0.9) == pytest.approx(0.9)  # nothing seen: the setting
    few = learned_show_share(1, 3, 0.9)
    many = learned_show_share(100, 300, 0.9)
    assert 0.25 < many < few < 0.9  # more evidence moves it further from the prior toward 1/4
    assert many == pytest.approx((100 + 18) / 420)
    with pytest.raises(ValueError):
        learned_show_share(-1, 0, 0.9)
