"""Discrete-event branch simulator, vectorised over simulated days with numpy.

One service = one FCFS queue in front of its windows. Arrivals are Poisson per interval (uniform inside
the interval), service times exponential, optional exponential patience (a customer whose wait would
exceed it leaves and counts as *not* served within target). Windows open per interval follow the plan;
a window that closes finishes its customer first. Customers still queued at closing time are served by
the windows open in the last interval. Seeded: same inputs, same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ServiceSimulation:
    """Pooled over all simulated days, by the interval in which customers arrived."""

    arrivals: tuple[int, ...]
    within_target: tuple[int, ...]
    abandoned: tuple[int, ...]
    day_fractions: tuple[float, ...]  # per simulated day: fraction within target

    def interval_levels(self) -> tuple[float | None, ...]:
        """Fraction served within target per interval (None where nobody arrived)."""
        return tuple(w / a if a else None for w, a in zip(self.within_target, self.arrivals, strict=True))

    @property
    def day_level(self) -> float:
        total = sum(self.arrivals)
        return sum(self.within_target) / total if total else 1.0

    def worst_interval_level(self) -> float:
        levels = [level for level in self.interval_levels() if level is not None]
        return min(levels) if levels else 1.0


def _arrival_times(rng: np.random.Generator, arrivals: FloatArray, interval_min: float, days: int) -> FloatArray:
    """Sorted arrival times per day, padded with +inf: shape (days, most arrivals in a day)."""
    counts = rng.poisson(arrivals, size=(days, arrivals.size))
    per_day = counts.sum(axis=1)
    width = max(int(per_day.max()), 1)
    interval_of = np.repeat(np.tile(np.arange(arrivals.size), days), counts.ravel())
    times = (interval_of + rng.random(interval_of.size)) * interval_min
    day_of = np.repeat(np.arange(days), per_day)
    order = np.lexsort((times, day_of))
    column = np.arange(times.size) - np.repeat(np.cumsum(per_day) - per_day, per_day)
    padded = np.full((days, width), np.inf)
    padded[day_of[order], column] = times[order]
    return padded


def _next_open_start(open_windows: npt.NDArray[np.int64], interval_min: float) -> FloatArray:
    """[slot, interval] -> start time of the first interval >= this one where slot is open (inf if none).

    Slot k is open in interval i iff ``open_windows[i] > k``; the extra last column stands for
    "after closing" and keeps the windows of the last interval.
    """
    slots = max(int(open_windows.max()), 1)
    extended = np.append(open_windows, open_windows[-1])
    is_open = extended[None, :] > np.arange(slots)[:, None]
    starts = np.where(is_open, np.arange(extended.size) * interval_min, np.inf)
    return np.minimum.accumulate(starts[:, ::-1], axis=1)[:, ::-1]


def simulate_service(
    arrivals: Sequence[float],
    open_windows: Sequence[int],
    *,
    aht_min: float,
    interval_min: float,
    target_wait_min: float,
    patience_min: float | None = None,
    days: int = 1000,
    seed: int = 0,
) -> ServiceSimulation:
    rng = np.random.default_rng(seed)
    rates = np.asarray(arrivals, dtype=np.float64)
    windows = np.asarray(open_windows, dtype=np.int64)
    if rates.shape != windows.shape:
        raise ValueError("arrivals and open_windows must have one value per interval")
    n_intervals = rates.size
    arrival = _arrival_times(rng, rates, interval_min, days)
    width = arrival.shape[1]
    service = rng.exponential(aht_min, size=(days, width))
    patience = np.full((days, width), np.inf) if patience_min is None else rng.exponential(patience_min, (days, width))
    next_start = _next_open_start(windows, interval_min)
    slots, columns = next_start.shape
    flat_next_start = next_start.ravel()
    slot_offset = (np.arange(slots) * columns)[None, :]
    free_at = np.zeros((days, slots))
    waits = np.full((days, width), np.inf)
    rows = np.arange(days)
    for column in range(width):
        arrived = arrival[:, column]
        present = np.isfinite(arrived)
        if not present.any():
            break
        ready = np.maximum(free_at, np.where(present, arrived, 0.0)[:, None])
        interval = np.minimum(ready * (1.0 / interval_min), n_intervals).astype(np.int64)
        # a slot open now has its interval's start (<= ready) here, a closed one its next opening (> ready)
        start = np.maximum(ready, flat_next_start.take(interval + slot_offset))
        slot = start.argmin(axis=1)
        begins = start[rows, slot]
        wait = begins - np.where(present, arrived, 0.0)
        served = present & (wait <= patience[:, column]) & np.isfinite(begins)
        free_at[rows[served], slot[served]] = begins[served] + service[served, column]
        waits[:, column] = np.where(served, wait, np.inf)
    present_all = np.isfinite(arrival)
    arrival_interval = (np.where(present_all, arrival, 0.0) // interval_min).astype(np.int64)
    within = present_all & (waits <= target_wait_min + 1e-9)
    abandoned = present_all & ~np.isfinite(waits)
    flat_interval = np.where(present_all, arrival_interval, n_intervals).ravel()
    counts = np.bincount(flat_interval, minlength=n_intervals + 1)[:n_intervals]
    good = np.bincount(flat_interval, weights=within.ravel(), minlength=n_intervals + 1)[:n_intervals]
    lost = np.bincount(flat_interval, weights=abandoned.ravel(), minlength=n_intervals + 1)[:n_intervals]
    per_day_total = present_all.sum(axis=1)
    per_day_good = within.sum(axis=1)
    day_fractions = np.where(per_day_total > 0, per_day_good / np.maximum(per_day_total, 1), 1.0)
    return ServiceSimulation(
        arrivals=tuple(int(c) for c in counts),
        within_target=tuple(int(g) for g in good),
        abandoned=tuple(int(x) for x in lost),
        day_fractions=tuple(float(f) for f in day_fractions),
    )
