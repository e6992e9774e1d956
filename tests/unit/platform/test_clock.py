"""The platform clock: wall by default, a shared simulated clock from the environment (branchops up)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from branchops.clock import Clock, clock_from_env
from branchops.up import OPENS_AT, run_clock

OPENING = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_without_the_environment_it_is_the_wall_clock() -> None:
    clock = clock_from_env({})
    assert not clock.simulated and clock.rate == 1.0 and clock.env() == {}
    assert abs((clock.now() - dt.datetime.now(dt.UTC)).total_seconds()) < 1


def test_every_process_given_the_env_computes_the_same_simulated_time(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock.simulated_from(OPENING, 20.0, real_start=1_000.0)
    again = clock_from_env(clock.env())
    assert again == clock
    monkeypatch.setattr("branchops.clock.time.time", lambda: 1_030.0)  # 30 real seconds later
    assert again.now() == OPENING + dt.timedelta(minutes=10)
    assert again.now().tzinfo == dt.UTC and again.rate == 20.0


def test_a_simulated_clock_is_refused_in_production() -> None:
    env = Clock.simulated_from(OPENING, 2.0).env()
    with pytest.raises(ValueError, match="development only"):
        clock_from_env({**env, "BRANCHOPS_ENV": "production"})
    with pytest.raises(ValueError, match="bad simulated clock"):
        clock_from_env({"BRANCHOPS_CLOCK_START": "09:00"})


def test_up_starts_the_day_at_the_branch_opening_today() -> None:
    clock = run_clock(30.0)
    assert clock.start is not None and clock.start.timetz().replace(tzinfo=None) == OPENS_AT
    assert clock.start.date() == dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert clock.now() >= clock.start
