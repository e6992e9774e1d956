"""Where people stand in a camera's view, hour by hour: a grid of person-seconds over the frame.

The frame is cut into ``cols`` x ``rows`` equal cells (row-major from the top left). Each analysed frame, every
confirmed track's foot point (the bottom centre of its box, in frame coordinates scaled to 0..1) adds the time
until the next frame to its cell, so a cell's value is the person-seconds spent there, and the grid's sum over
the hour is the mean number of people times the seconds seen. Hours are aligned on the clock the caller
passes (epoch seconds: UTC hours), and a frame's time is split at an hour's end. The peak is the most people
in one frame of the hour. Only the aggregate leaves: :class:`HourGrid` carries no box, point or track id.

A gap longer than ``max_gap_s`` between two frames (a stalled stream, a reconnection) counts only
``max_gap_s``: the last frame does not stand in for time nobody saw. :meth:`OccupancyGrid.pause` forgets the
last frame (the stream stopped); :meth:`OccupancyGrid.flush` closes the hour in progress (the worker stops);
:meth:`OccupancyGrid.so_far` shows it without closing it (live views).
Values in, values out: no I/O, no clock of its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

HOUR_S = 3600.0
MAX_CELLS = 64 * 36


@dataclass(frozen=True, slots=True)
class HourGrid:
    """One camera's closed hour: person-seconds per cell (row-major), seconds seen, most people at once."""

    hour_start: float  # epoch seconds
    hour_end: float
    cols: int
    rows: int
    person_s: tuple[float, ...]
    seconds: float
    peak: int

    @property
    def total_person_s(self) -> float:
        return math.fsum(self.person_s)


def foot_points(
    boxes: Iterable[tuple[float, float, float, float]], width: float, height: float
) -> list[tuple[float, float]]:
    """The foot point (bottom centre) of each box ``(x1, y1, x2, y2)`` in pixels, as fractions of the frame."""
    if width <= 0 or height <= 0:
        raise ValueError("the frame needs a positive width and height")
    return [((x1 + x2) / 2 / width, y2 / height) for x1, _, x2, y2 in boxes]


class OccupancyGrid:
    """Accumulates one camera's foot points into hourly grids (see the module's description)."""

    def __init__(self, cols: int = 16, rows: int = 9, *, period_s: float = HOUR_S, max_gap_s: float = 2.0) -> None:
        if cols < 1 or rows < 1 or cols * rows > MAX_CELLS:
            raise ValueError(f"a grid has 1 to {MAX_CELLS} cells (cols x rows), not {cols} x {rows}")
        if not 60.0 <= period_s <= HOUR_S or HOUR_S % period_s:
            raise ValueError("period_s must divide an hour and be at least a minute")
        if max_gap_s <= 0:
            raise ValueError("max_gap_s must be positive")
        self.cols, self.rows, self.period_s, self.max_gap_s = cols, rows, period_s, max_gap_s
        self._start: float | None = None  # the open period's start
        self._cells = [0.0] * (cols * rows)
        self._seconds = 0.0
        self._peak = 0
        self._last_t: float | None = None
        self._last_cells: list[int] = []

    def period_of(self, t: float) -> float:
        return math.floor(t / self.period_s) * self.period_s

    def cell_of(self, x: float, y: float) -> int:
        """The cell of a point given as fractions of the frame (clamped to the frame)."""
        col = min(self.cols - 1, max(0, int(x * self.cols))) if math.isfinite(x) else 0
        row = min(self.rows - 1, max(0, int(y * self.rows))) if math.isfinite(y) else 0
        return row * self.cols + col

    def add(self, t: float, feet: Sequence[tuple[float, float]]) -> list[HourGrid]:
        """The people's foot points (fractions of the frame) in the frame at time ``t``; the periods it closed.

        The previous frame's people are credited with the time since it (at most ``max_gap_s``), split at a
        period's end; this frame's people are credited at the next frame. A frame older than the previous one
        is ignored."""
        if not math.isfinite(t):
            raise ValueError("the frame time must be finite")
        closed: list[HourGrid] = []
        if self._last_t is not None and t < self._last_t:
            return closed
        if self._start is None:
            self._start = self.period_of(t)
        if self._last_t is not None:
            covered_until = min(t, self._last_t + self.max_gap_s)
            lo = self._last_t
            while lo < covered_until:
                end = self._start + self.period_s
                hi = min(covered_until, end)
                self._credit(hi - lo)
                lo = hi
                if lo >= end:
                    closed.append(self._close(self.period_of(t) if lo >= covered_until else end))
        while t >= self._start + self.period_s:  # a gap over a period's end: close what was seen, move on
            closed.append(self._close(self.period_of(t)))
        self._last_t = t
        self._last_cells = [self.cell_of(x, y) for x, y in feet]
        self._peak = max(self._peak, len(self._last_cells))
        return [grid for grid in closed if grid.seconds > 0 or grid.peak > 0]

    def so_far(self, t: float) -> HourGrid | None:
        """The period in progress as seen until ``t`` (for live views; nothing changes): None before any frame
        or when ``t`` is past the period's end (the next frame closes it)."""
        if self._start is None or t >= self._start + self.period_s:
            return None
        cells, seconds = list(self._cells), self._seconds
        if self._last_t is not None and t > self._last_t:
            dt = min(t, self._last_t + self.max_gap_s) - self._last_t
            seconds += dt
            for cell in self._last_cells:
                cells[cell] += dt
        return HourGrid(
            self._start,
            self._start + self.period_s,
            self.cols,
            self.rows,
            tuple(round(v, 3) for v in cells),
            round(min(seconds, self.period_s), 3),
            self._peak,
        )

    def pause(self) -> None:
        """The stream stopped: the last frame's people are not credited with the time until the next frame."""
        self._last_t = None
        self._last_cells = []

    def flush(self, t: float) -> HourGrid | None:
        """Close the period in progress at ``t`` (the worker stops): its grid, or None when it saw nothing."""
        if self._start is None:
            return None
        if self._last_t is not None and t > self._last_t:
            self._credit(min(t, self._last_t + self.max_gap_s, self._start + self.period_s) - self._last_t)
        self.pause()
        grid = self._close(self.period_of(t))
        self._start = None
        return grid if grid.seconds > 0 or grid.peak > 0 else None

    def _credit(self, dt: float) -> None:
        if dt <= 0:
            return
        self._seconds += dt
        for cell in self._last_cells:
            self._cells[cell] += dt

    def _close(self, following: float) -> HourGrid:
        assert self._start is not None
        start = self._start
        grid = HourGrid(
            start,
            start + self.period_s,
            self.cols,
            self.rows,
            tuple(round(v, 3) for v in self._cells),
            round(min(self._seconds, self.period_s), 3),
            self._peak,
        )
        self._start = max(start + self.period_s, following)
        self._cells = [0.0] * (self.cols * self.rows)
        self._seconds = 0.0
        self._peak = 0
        return grid
