"""The hall's occupancy per camera and hour (occupancy.v1 -> ``rollup_occupancy_hour``, migration 0008), and its
section of the day's report.

An event carries one camera's grid of person-seconds per cell over one hour (or the part of it the camera saw
before its worker stopped); one marked ``in_progress`` (the hour so far, for live views) is kept raw only.
Grids of one camera and hour add up cell by cell, their seconds add (at most an hour) and the peak is the
larger; a grid of another shape (the camera's grid was reconfigured) replaces the one stored. The hour is kept
as its UTC start and as the branch's local day and hour.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from branchops.contracts.events import Occupancy

HOUR_S = 3600.0
Json = dict[str, Any]


@dataclass
class OccupancyHour:
    """One row of ``rollup_occupancy_hour`` (columns in this order)."""

    branch_id: str
    camera_id: str
    hour_start: dt.datetime
    day: dt.date
    hour: int
    cols: int
    rows: int
    person_s: list[float]
    seconds: float
    peak: int

    @property
    def key(self) -> tuple[str, str, dt.datetime]:
        return self.branch_id, self.camera_id, self.hour_start

    def merge(self, other: OccupancyHour) -> None:
        """Add ``other`` (a later event of the same camera and hour) as the table's upsert does."""
        if (other.cols, other.rows) != (self.cols, self.rows):
            self.cols, self.rows, self.person_s = other.cols, other.rows, list(other.person_s)
            self.seconds, self.peak = other.seconds, other.peak
        else:
            self.person_s = [a + b for a, b in zip(self.person_s, other.person_s, strict=True)]
            self.seconds = min(HOUR_S, self.seconds + other.seconds)
            self.peak = max(self.peak, other.peak)
        self.day, self.hour = other.day, other.hour

    def row(self) -> tuple[object, ...]:
        return (
            self.branch_id,
            self.camera_id,
            self.hour_start,
            self.day,
            self.hour,
            self.cols,
            self.rows,
            self.person_s,
            self.seconds,
            self.peak,
        )


COLUMNS = ("branch_id", "camera_id", "hour_start", "day", "hour", "cols", "rows", "person_s", "seconds", "peak")


def hour_of(event: Occupancy, tz: dt.tzinfo) -> OccupancyHour:
    """The rollup row of one event, its hour placed in the branch's zone ``tz``."""
    start = event.hour_start.astimezone(dt.UTC)
    local = start.astimezone(tz)
    return OccupancyHour(
        event.branch_id,
        event.camera_id,
        start,
        local.date(),
        local.hour,
        event.cols,
        event.rows,
        [float(v) for v in event.person_s],
        min(HOUR_S, event.seconds),
        event.peak,
    )


# ------------------------------------------------------------------------------------------------ the report
def _instant(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def section(rows: Iterable[OccupancyHour]) -> list[Json]:
    """The day's grids per camera, hours in order: per hour the person-seconds per cell (row-major from the top
    left), the seconds seen, the peak and the mean people in view; per camera the largest cell of the day (a
    shared colour scale for its hours)."""
    cameras: dict[str, list[OccupancyHour]] = {}
    for row in sorted(rows, key=lambda r: (r.camera_id, r.hour_start)):
        cameras.setdefault(row.camera_id, []).append(row)
    out: list[Json] = []
    for camera_id, hours in cameras.items():
        out.append(
            {
                "camera_id": camera_id,
                "max_cell_person_s": round(max((max(h.person_s, default=0.0) for h in hours), default=0.0), 1),
                "hours": [
                    {
                        "hour": h.hour,
                        "local": f"{h.hour:02d}:00",
                        "start": _instant(h.hour_start),
                        "cols": h.cols,
                        "rows": h.rows,
                        "person_s": [round(v, 1) for v in h.person_s],
                        "seconds": round(h.seconds, 1),
                        "peak": h.peak,
                        "people_avg": round(math.fsum(h.person_s) / h.seconds, 2) if h.seconds > 0 else None,
                    }
                    for h in hours
                ],
            }
        )
    return out
