"""Aggregation windows for footfall.v1: counts of one camera over every ``interval_s`` seconds.

Windows are aligned to multiples of the interval on the clock the caller passes (epoch seconds for live
cameras), so two cameras of a branch report the same window bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WindowCounts:
    window_start: float
    window_end: float
    entered: int
    exited: int
    occupancy: dict[str, int]
    dwell_p50_s: dict[str, float]


@dataclass
class WindowAggregator:
    interval_s: float = 10.0
    _start: float | None = None
    _entered: int = 0
    _exited: int = 0

    def __post_init__(self) -> None:
        if not 1.0 <= self.interval_s <= 3600.0:
            raise ValueError("interval_s must be within 1..3600 seconds")

    def window_of(self, t: float) -> float:
        return math.floor(t / self.interval_s) * self.interval_s

    def add(self, t: float, entered: int = 0, exited: int = 0) -> None:
        """Crossings seen in a frame at time ``t`` (call it for every analysed frame, even with zeros)."""
        if entered < 0 or exited < 0:
            raise ValueError("counts cannot be negative")
        if self._start is None:
            self._start = self.window_of(t)
        self._entered += entered
        self._exited += exited

    def due(self, t: float) -> bool:
        return self._start is not None and t >= self._start + self.interval_s

    def close(self, occupancy: dict[str, int], dwell_p50_s: dict[str, float], now: float | None = None) -> WindowCounts:
        """Close the current window; the next one starts right after it, or at ``now``'s window after a gap."""
        if self._start is None:
            raise ValueError("no window is open")
        start = self._start
        counts = WindowCounts(
            start, start + self.interval_s, self._entered, self._exited, dict(occupancy), dict(dwell_p50_s)
        )
        following = start + self.interval_s
        if now is not None:
            following = max(following, self.window_of(now))
        self._start, self._entered, self._exited = following, 0, 0
        return counts
