"""The arrival forecast and handling times learned from history (services/staffing/domain/history.py)."""

from __future__ import annotations

import datetime as dt

from services.staffing.domain.history import Forecast, forecast_arrivals, handling_times

MONDAY = dt.date(2026, 11, 30)


def day(general: dict[int, int], cash: dict[int, int] | None = None) -> dict[tuple[str, int], int]:
    counts = {("general", m): n for m, n in general.items()}
    counts.update({("cash", m): n for m, n in (cash or {}).items()})
    return counts


def forecast(history: dict[dt.date, dict[tuple[str, int], int]], *, weeks: int = 8, prior: float = 0.0) -> Forecast:
    return forecast_arrivals(
        history, MONDAY, ["general", "cash"], open_min=540, interval=15, n_intervals=4, weeks=weeks, prior=prior
    )


def test_same_weekday_mean_over_the_weeks() -> None:
    history = {
        MONDAY - dt.timedelta(weeks=1): day({540: 4, 550: 2, 560: 1}),  # 09:00, 09:10 -> interval 0; 09:20 -> 1
        MONDAY - dt.timedelta(weeks=2): day({540: 2, 585: 6}),  # 09:45 -> interval 3
        MONDAY - dt.timedelta(days=1): day({540: 100}),  # a Sunday: not used while Mondays exist
    }
    result = forecast(history)
    assert result.method == "same_weekday" and result.days_used == 2
    assert result.arrivals["general"] == (4.0, 0.5, 0.0, 3.0)
    assert result.arrivals["cash"] == (0.0, 0.0, 0.0, 0.0)


def test_all_days_when_no_same_weekday() -> None:
    history = {MONDAY - dt.timedelta(days=1): day({540: 3}), MONDAY - dt.timedelta(days=2): day({540: 1}, {555: 4})}
    result = forecast(history)
    assert result.method == "all_days" and result.days_used == 2
    assert result.arrivals == {"general": (2.0, 0.0, 0.0, 0.0), "cash": (0.0, 2.0, 0.0, 0.0)}


def test_today_future_old_and_closed_hours_do_not_count() -> None:
    history = {
        MONDAY: day({540: 50}),  # today's partial counts
        MONDAY + dt.timedelta(weeks=1): day({540: 50}),
        MONDAY - dt.timedelta(weeks=9): day({540: 50}),  # older than the 8 weeks
        MONDAY - dt.timedelta(weeks=1): day({300: 7, 539: 7, 600: 7, 541: 2}),  # before opening, after the 4 intervals
    }
    result = forecast(history)
    assert result.method == "same_weekday" and result.days_used == 1
    assert result.arrivals["general"] == (2.0, 0.0, 0.0, 0.0)


def test_no_history_gives_the_flat_prior() -> None:
    result = forecast({}, prior=2.5)
    assert result.method == "prior" and result.days_used == 0
    assert result.arrivals == {"general": (2.5,) * 4, "cash": (2.5,) * 4}


def test_weeks_bound_the_window() -> None:
    history = {MONDAY - dt.timedelta(weeks=3): day({540: 9}), MONDAY - dt.timedelta(days=3): day({540: 1})}
    assert forecast(history, weeks=2).arrivals["general"][0] == 1.0  # only the recent Friday (all days)
    assert forecast(history, weeks=4).arrivals["general"][0] == 9.0  # the Monday three weeks back


def test_handling_times_need_enough_samples() -> None:
    observed = {"general": [5.0, 7.0] * 10, "cash": [3.0] * 5, "fx": [1.0] * 50}
    assert handling_times(observed, {"general": 6.5, "cash": 4.0}, min_samples=20) == {"general": 6.0, "cash": 4.0}
    assert handling_times(observed, {"cash": 4.0}, min_samples=5) == {"cash": 3.0}
