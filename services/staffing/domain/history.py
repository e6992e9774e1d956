"""The arrival forecast and handling times of a branch-day, learned from the branch's own history (pure).

History is what the ticket consumer keeps: for each past local day that saw tickets, the tickets issued per
service and minute of the day (``DayArrivals``), and the handling times of completed tickets per service.

Forecast method (:func:`forecast_arrivals`), per service and interval of the day to plan:

1. the **same weekday** over the last ``weeks`` weeks: the mean of the arrivals counted in that interval
   on each of those days that has history (banks see strong weekday patterns: Monday and Friday peaks);
2. when no such day exists (a young branch, a new weekday), the mean over **every past day** with history
   within the last ``weeks`` weeks;
3. with no history at all, a flat ``prior`` per interval (so a new branch still gets a plan; the day's
   re-plans correct it from the live queue).

A day counts only if it is strictly before the planned day, so today's partial counts never drag the
forecast down. Intervals are ``interval`` minutes long from ``open_min``: a ticket of minute ``m`` of the
day falls in interval ``(m - open_min) // interval``; tickets outside the opening hours are ignored.

Handling time (:func:`handling_times`): the mean of the observed handling times (serving start, else
call, to completion) of each service over the history, once it has ``min_samples`` of them; else the
service's default.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

DayArrivals = Mapping[tuple[str, int], int]
"""(service, minute of the local day) -> tickets issued."""


@dataclass(frozen=True)
class Forecast:
    arrivals: dict[str, tuple[float, ...]]  # service -> expected arrivals per interval
    method: str  # "same_weekday", "all_days" or "prior"
    days_used: int


def _interval_counts(
    counts: DayArrivals, services: Sequence[str], open_min: int, interval: int, n_intervals: int
) -> dict[str, list[int]]:
    out = {s: [0] * n_intervals for s in services}
    for (service, minute), n in counts.items():
        index = (minute - open_min) // interval
        if service in out and minute >= open_min and 0 <= index < n_intervals:
            out[service][index] += n
    return out


def forecast_arrivals(
    history: Mapping[dt.date, DayArrivals],
    day: dt.date,
    services: Sequence[str],
    *,
    open_min: int,
    interval: int,
    n_intervals: int,
    weeks: int = 8,
    prior: float = 0.0,
) -> Forecast:
    """The expected arrivals of ``day`` per service and interval (method in the module's docstring)."""
    first = day - dt.timedelta(weeks=weeks)
    past = {d: c for d, c in history.items() if first <= d < day}
    same = [d for d in past if d.weekday() == day.weekday()]
    chosen, method = (same, "same_weekday") if same else (list(past), "all_days")
    if not chosen:
        flat = tuple(float(prior) for _ in range(n_intervals))
        return Forecast({s: flat for s in services}, "prior", 0)
    totals = {s: [0.0] * n_intervals for s in services}
    for d in chosen:
        for service, values in _interval_counts(past[d], services, open_min, interval, n_intervals).items():
            for i, n in enumerate(values):
                totals[service][i] += n
    return Forecast({s: tuple(round(v / len(chosen), 3) for v in totals[s]) for s in services}, method, len(chosen))


def handling_times(
    observed: Mapping[str, Iterable[float]], defaults: Mapping[str, float], *, min_samples: int = 20
) -> dict[str, float]:
    """Mean observed handling time (minutes) per service of ``defaults``, else the default."""
    out = dict(defaults)
    for service in defaults:
        values = [v for v in observed.get(service, ()) if v > 0]
        if len(values) >= min_samples:
            out[service] = round(sum(values) / len(values), 3)
    return out


BookedSlots = Mapping[tuple[str, str], tuple[int, int]]
"""(service, slot start ``HH:MM``) -> (booked and not checked in yet, checked in): the day's appointments."""


def with_appointments(
    arrivals: Mapping[str, Sequence[float]],
    booked: BookedSlots,
    show_share: float,
    *,
    open_min: int,
    interval: int,
    n_intervals: int,
) -> dict[str, tuple[float, ...]]:
    """The walk-in forecast plus the day's appointments at their slots: a checked-in customer counts whole, a
    booked one with ``show_share`` (the share that comes). Appointments of a service the forecast does not
    plan, or outside the opening hours, are ignored."""
    if not 0.0 <= show_share <= 1.0:
        raise ValueError("show_share must be within 0..1")
    out = {s: [float(v) for v in values][:n_intervals] for s, values in arrivals.items()}
    for values in out.values():
        values.extend([0.0] * (n_intervals - len(values)))
    for (service, start), (waiting, checked_in) in booked.items():
        hours, minutes = start.split(":")
        minute = int(hours) * 60 + int(minutes)
        index = (minute - open_min) // interval
        if service in out and minute >= open_min and 0 <= index < n_intervals:
            out[service][index] = round(out[service][index] + waiting * show_share + checked_in, 3)
    return {s: tuple(v) for s, v in out.items()}


def service_time_sigma(
    observed: Mapping[str, Iterable[float]], services: Iterable[str], *, min_samples: int = 20
) -> dict[str, float]:
    """Lognormal sigma (standard deviation of the log) of each service's observed handling times, for the
    services with ``min_samples`` of them; the others are left out (the caller's default applies)."""
    out: dict[str, float] = {}
    for service in services:
        logs = [math.log(v) for v in observed.get(service, ()) if v > 0]
        if len(logs) >= min_samples:
            mean = sum(logs) / len(logs)
            out[service] = round(math.sqrt(sum((x - mean) ** 2 for x in logs) / (len(logs) - 1)), 3)
    return out
