"""Arrival forecast for the rest of the day per 15-minute interval, with p10/p90 (pure).

The profile is the mean count per interval over past days of the same weekday (all past days when
there are fewer than two of them), corrected during the day by how today compares so far (a ratio
shrunk toward 1 until enough customers came). People in the hall without a ticket (footfall) are a
leading signal: most of them take one within the next interval. The range is a negative binomial's,
normal-approximated: Poisson noise plus the day-to-day spread seen in the history.

The wait projection's expected arrivals (:func:`recent_incoming`) come from the last hour instead: one
rule for the live service and the replay (and so the wait bench).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from branchops.contracts.enums import Priority, ServiceName
from services.queue.domain.predict import Incoming

SLOT_MIN = 15
SLOTS = 24 * 60 // SLOT_MIN
Z90 = 1.2816
SHRINK = 20.0  # customers before today's ratio is trusted half-way
LOOKBACK_MIN = 60.0  # arrivals over this much of the day give the expected arrivals of the wait projection
MIN_SPAN_MIN = 20.0  # the first minutes of a day count as this many (few arrivals say little yet)


@dataclass(frozen=True)
class SlotForecast:
    slot: int
    expected: float
    p10: float
    p90: float


class Arrival(NamedTuple):
    """A ticket issued at ``at`` (one customer joining a line)."""

    at: dt.datetime
    service: ServiceName
    priority: Priority


def arrival_span(now: dt.datetime, day_start: dt.datetime | None = None) -> tuple[dt.datetime, float]:
    """(count the arrivals from this time up to ``now``, per this many minutes): the last ``LOOKBACK_MIN``
    minutes, not before ``day_start`` (the day's first arrival), and at least ``MIN_SPAN_MIN`` minutes so a
    day's first customers do not stand for a rush."""
    since = now - dt.timedelta(minutes=LOOKBACK_MIN)
    start = max(since, day_start) if day_start is not None and day_start <= now else since
    return start, max((now - start).total_seconds() / 60.0, MIN_SPAN_MIN)


def incoming_from_counts(counts: Mapping[tuple[ServiceName, Priority], int], span_min: float) -> list[Incoming]:
    """Expected arrivals per minute per (service, priority) from the counts over :func:`arrival_span`
    (services, then priorities, in enum order)."""
    order = {s: i for i, s in enumerate(ServiceName)}
    ranks = {p: i for i, p in enumerate(Priority)}
    keys = sorted((k for k, n in counts.items() if n > 0), key=lambda k: (order[k[0]], ranks[k[1]]))
    return [Incoming(service, counts[(service, priority)] / span_min, priority) for service, priority in keys]


def recent_incoming(
    arrivals: Sequence[Arrival], now: dt.datetime, day_start: dt.datetime | None = None
) -> list[Incoming]:
    """Expected arrivals per minute per (service, priority): the arrivals within :func:`arrival_span`
    counted by :func:`incoming_from_counts`. The replay asks this; the live service counts the same span
    in Redis and asks :func:`incoming_from_counts`."""
    start, span = arrival_span(now, day_start)
    counts: dict[tuple[ServiceName, Priority], int] = {}
    for arrival in arrivals:
        if start <= arrival.at <= now:
            key = (arrival.service, arrival.priority)
            counts[key] = counts.get(key, 0) + 1
    return incoming_from_counts(counts, span)


def slot_of(local: dt.datetime) -> int:
    return (local.hour * 60 + local.minute) // SLOT_MIN


def slot_start(day: dt.date, slot: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz) + dt.timedelta(minutes=slot * SLOT_MIN)


def forecast_day(
    history: Mapping[dt.date, Sequence[float]],
    today: dt.date,
    today_counts: Sequence[float],
    current_slot: int,
    *,
    waiting_in_hall: float = 0.0,
    conversion: float = 0.8,
) -> list[SlotForecast]:
    """Forecast slots ``current_slot`` .. the last slot with traffic in the profile (or 4 slots ahead)."""
    past = {d: list(c) for d, c in history.items() if d < today}
    same = [c for d, c in past.items() if d.weekday() == today.weekday()]
    days = same if len(same) >= 2 else list(past.values())
    observed = sum(today_counts[:current_slot])
    if days:
        profile = [sum(c[s] for c in days) / len(days) for s in range(SLOTS)]
        dispersion = _dispersion(days, profile)
        expected_so_far = sum(profile[:current_slot])
        ratio = (observed + SHRINK) / (expected_so_far + SHRINK)
        last = max((s for s in range(SLOTS) if profile[s] > 0), default=current_slot)
        expected = [profile[s] * ratio for s in range(SLOTS)]
    else:  # no history: today's pace so far, for the next hour
        dispersion = 0.15
        pace = observed / max(current_slot - _first_busy(today_counts), 1) if observed else 0.0
        last = current_slot + 3
        expected = [pace] * SLOTS
    out: list[SlotForecast] = []
    for slot in range(current_slot, min(last, SLOTS - 1) + 1):
        mean = expected[slot]
        if slot == current_slot:  # the hall leads: people without a ticket yet
            done = today_counts[slot] if slot < len(today_counts) else 0.0
            mean = max(mean, done + waiting_in_hall * conversion)
        sd = math.sqrt(mean + (dispersion * mean) ** 2)
        out.append(SlotForecast(slot, mean, max(mean - Z90 * sd, 0.0), mean + Z90 * sd))
    return out


def _first_busy(counts: Sequence[float]) -> int:
    return next((i for i, c in enumerate(counts) if c > 0), 0)


def _dispersion(days: list[list[float]], profile: list[float]) -> float:
    """Relative day-to-day spread of the daily totals beyond Poisson noise (at least 5%)."""
    if len(days) < 3:
        return 0.15
    totals = [sum(c) for c in days]
    mean = sum(totals) / len(totals)
    if mean <= 0:
        return 0.15
    var = sum((t - mean) ** 2 for t in totals) / (len(totals) - 1)
    extra = max(var - mean, 0.0)
    return max(math.sqrt(extra) / mean, 0.05)


# --- booked appointments -----------------------------------------------------------------------------------


def learned_show_share(showed: int, no_shows: int, prior: float, prior_weight: float = 20.0) -> float:
    """The share of booked appointments whose customer comes: past days' check-ins against their no-shows,
    shrunk toward the setting ``prior`` (worth ``prior_weight`` appointments) while there are few of them."""
    if showed < 0 or no_shows < 0 or not 0.0 <= prior <= 1.0:
        raise ValueError("counts must be >= 0 and the prior a share")
    return (showed + prior * prior_weight) / (showed + no_shows + prior_weight)


def booked_per_interval(starts: Mapping[str, int]) -> dict[int, int]:
    """Appointments still to come per 15-minute interval of the day, from their slot starts (``HH:MM``)."""
    out: dict[int, int] = {}
    for start, count in starts.items():
        hours, minutes = start.split(":")
        slot = (int(hours) * 60 + int(minutes)) // SLOT_MIN
        if count > 0 and 0 <= slot < SLOTS:
            out[slot] = out.get(slot, 0) + count
    return out


def with_appointments(
    slots: Sequence[SlotForecast], booked: Mapping[int, int], current_slot: int, show_share: float
) -> list[SlotForecast]:
    """The walk-in forecast plus the booked appointments expected to come (``show_share`` of them) at their
    intervals, from ``current_slot`` on. Each booking comes or not (binomial): its variance widens the range.
    Intervals with bookings beyond the walk-in forecast's last one are added."""
    if not 0.0 <= show_share <= 1.0:
        raise ValueError("show_share must be within 0..1")
    by_slot = {s.slot: s for s in slots}
    for slot in sorted(booked):
        if slot < current_slot or booked[slot] <= 0:
            continue
        n = booked[slot]
        base = by_slot.get(slot, SlotForecast(slot, 0.0, 0.0, 0.0))
        walk_in_sd = max(base.p90 - base.expected, base.expected - base.p10, 0.0) / Z90
        mean = base.expected + n * show_share
        sd = math.sqrt(walk_in_sd**2 + n * show_share * (1.0 - show_share))
        by_slot[slot] = SlotForecast(slot, mean, max(mean - Z90 * sd, 0.0), mean + Z90 * sd)
    return [by_slot[s] for s in sorted(by_slot)]
