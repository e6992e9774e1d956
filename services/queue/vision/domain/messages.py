"""What a camera worker process tells the service, over a multiprocessing queue: counts and status, never frames.

Frozen dataclasses (pickled by ``multiprocessing``); every field is a number, a short text or a mapping of
zone names to numbers, so no message can carry an image. ``to_event`` turns one into its event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from branchops.contracts import Topic
from branchops.contracts.enums import CameraState
from branchops.contracts.events import CameraStatus, Footfall, Occupancy
from branchops.contracts.topics import CAMERA_STATUS, FOOTFALL, OCCUPANCY

MAX_FPS = 240.0


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The camera changed state (up / degraded / down), with its analysis rate and, when down, why."""

    branch_id: str
    camera_id: str
    state: CameraState
    fps: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FootfallWindow:
    """One aggregation window of a camera: crossings, people per zone at its end, median dwell per zone."""

    branch_id: str
    camera_id: str
    window_start: float  # epoch seconds
    window_end: float
    entered: int
    exited: int
    occupancy: dict[str, int]
    dwell_p50_s: dict[str, float]


@dataclass(frozen=True, slots=True)
class OccupancyHour:
    """One camera's occupancy grid of one hour (domain/occupancy.py): person-seconds per cell, seconds seen,
    most people at once. Numbers only: no box, point or track leaves the worker."""

    branch_id: str
    camera_id: str
    hour_start: float  # epoch seconds
    hour_end: float
    cols: int
    rows: int
    person_s: tuple[float, ...]
    seconds: float
    peak: int
    in_progress: bool = False  # the hour so far (live views), not added up


WorkerMessage = StatusReport | FootfallWindow | OccupancyHour


def _utc(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.UTC)


def to_event(message: WorkerMessage, at: dt.datetime) -> tuple[Topic, CameraStatus | Footfall | Occupancy]:
    """The event of a worker message, stamped ``at``."""
    match message:
        case StatusReport():
            return CAMERA_STATUS, CameraStatus(
                branch_id=message.branch_id,
                camera_id=message.camera_id,
                at=at,
                state=message.state,
                fps=min(max(message.fps, 0.0), MAX_FPS),
                error=message.error,
            )
        case FootfallWindow():
            return FOOTFALL, Footfall(
                branch_id=message.branch_id,
                camera_id=message.camera_id,
                at=at,
                window_start=_utc(message.window_start),
                window_end=_utc(message.window_end),
                entered=message.entered,
                exited=message.exited,
                occupancy=message.occupancy,
                dwell_p50_s=message.dwell_p50_s,
            )
        case OccupancyHour():
            return OCCUPANCY, Occupancy(
                branch_id=message.branch_id,
                camera_id=message.camera_id,
                at=at,
                hour_start=_utc(message.hour_start),
                hour_end=_utc(message.hour_end),
                cols=message.cols,
                rows=message.rows,
                person_s=list(message.person_s),
                seconds=min(max(message.seconds, 0.0), 3600.0),
                peak=message.peak,
                in_progress=message.in_progress,
            )
