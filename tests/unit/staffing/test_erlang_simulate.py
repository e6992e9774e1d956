from __future__ import annotations

import pytest

from services.staffing.domain.erlang import erlang_c_service_level, erlang_c_wait_probability, erlang_c_windows
from services.staffing.domain.simulate import simulate_service

RAMP = [4, 6, 8, 10, 12, 10, 8, 6]


def test_erlang_c_textbook_value() -> None:
    # 10 erlangs on 11 agents: P(wait) ~ 0.6821 (standard Erlang C tables)
    assert erlang_c_wait_probability(11, 10.0) == pytest.approx(0.6821, abs=1e-3)
    assert erlang_c_wait_probability(10, 10.0) == 1.0


def test_erlang_c_windows_is_the_smallest_meeting_target() -> None:
    windows = erlang_c_windows(10, 6.0, 15, 10.0, 0.8, cap=20)
    assert erlang_c_service_level(windows, 10, 6.0, 15, 10.0) >= 0.8
    assert erlang_c_service_level(windows - 1, 10, 6.0, 15, 10.0) < 0.8
    assert erlang_c_windows(0, 6.0, 15, 10.0, 0.8, cap=20) == 0


def _run(windows: list[int], **kw: float) -> tuple[float, float]:
    sim = simulate_service(RAMP, windows, aht_min=6.0, interval_min=15, target_wait_min=10.0, days=300, seed=3, **kw)
    return sim.day_level, sim.worst_interval_level()


def test_simulation_is_seeded() -> None:
    assert _run([4] * 8) == _run([4] * 8)


def test_more_windows_never_hurt() -> None:
    low, high = _run([3] * 8), _run([6] * 8)
    assert high[0] > low[0]
    assert high[1] >= low[1]
    assert high[0] > 0.95


def test_no_window_serves_nobody_in_time() -> None:
    sim = simulate_service([5, 5], [0, 0], aht_min=6.0, interval_min=15, target_wait_min=10.0, days=50, seed=1)
    assert sum(sim.arrivals) > 0
    assert sum(sim.within_target) == 0


def test_backlog_after_peak_is_seen() -> None:
    # same windows all day: the interval after the peak waits longer than the one before it
    sim = simulate_service(RAMP, [4] * 8, aht_min=6.0, interval_min=15, target_wait_min=10.0, days=400, seed=2)
    levels = sim.interval_levels()
    assert levels[5] is not None and levels[3] is not None
    assert levels[5] < levels[3]


def test_patience_makes_customers_leave() -> None:
    sim = simulate_service(
        RAMP, [2] * 8, aht_min=6.0, interval_min=15, target_wait_min=10.0, patience_min=5.0, days=100, seed=4
    )
    assert sum(sim.abandoned) > 0
    assert sum(sim.within_target) + sum(sim.abandoned) <= sum(sim.arrivals)


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError):
        simulate_service([1, 2], [1], aht_min=6.0, interval_min=15, target_wait_min=10.0, days=5)
