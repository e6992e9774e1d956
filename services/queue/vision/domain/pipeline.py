"""One camera's analysis after detection: tracker, lines, zones and staff exclusion, frame by frame.

``CountingPipeline.step(detections, t)`` is pure in the sense that matters: values in (the detections of
one frame and its time), values out (``FrameResult``), state only in the objects it owns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from services.queue.vision.domain.counting import Crossing, LineCounter
from services.queue.vision.domain.geometry import Anchor, Line, Polygon
from services.queue.vision.domain.tracker import Detection, TrackedPerson, Tracker, TrackerParams
from services.queue.vision.domain.zones import Zone, ZoneSet

WHOLE_FRAME = "frame"


@dataclass(frozen=True)
class Geometry:
    """Counting lines and zones of one camera, already in the pixel space of the analysed frames."""

    lines: dict[str, Line] = field(default_factory=dict)
    zones: dict[str, Polygon] = field(default_factory=dict)
    staff_zones: dict[str, Polygon] = field(default_factory=dict)
    anchor: Anchor = Anchor.BOTTOM_CENTER


@dataclass(frozen=True)
class FrameResult:
    people: list[TrackedPerson]
    crossings: list[Crossing]
    entered: int  # cumulative, all lines
    exited: int
    occupancy: dict[str, int]  # customer zones, plus WHOLE_FRAME: customers visible in the frame
    staff: int  # staff visible in the frame


@dataclass
class CountingPipeline:
    geometry: Geometry
    tracker_params: TrackerParams = field(default_factory=TrackerParams)
    line_margin: float = 6.0
    line_min_frames: int = 2
    staff_min_frames: int = 3
    count_coasting: bool = False  # True: predicted (coasting) boxes may settle a side and count a crossing

    def __post_init__(self) -> None:
        if WHOLE_FRAME in self.geometry.zones:
            raise ValueError(f"zone name {WHOLE_FRAME!r} is reserved")
        self.tracker = Tracker(self.tracker_params)
        anchor = self.geometry.anchor
        self.lines = [
            LineCounter(line, name, self.line_margin, self.line_min_frames, anchor=anchor)
            for name, line in self.geometry.lines.items()
        ]
        self.zones = ZoneSet(
            [Zone(n, p) for n, p in self.geometry.zones.items()],
            list(self.geometry.staff_zones.values()),
            anchor,
            self.staff_min_frames,
        )

    def step(self, detections: Sequence[Detection], t: float) -> FrameResult:
        people = self.tracker.update(detections, t)
        occupancy = self.zones.update(people, t)
        staff = {p.track_id for p in people if self.zones.is_staff_candidate(p)}
        crossings: list[Crossing] = []
        counted = people if self.count_coasting else [p for p in people if not p.coasting]
        for counter in self.lines:
            crossings.extend(counter.trigger(counted, skip=staff))
        live = self.tracker.live_ids
        for counter in self.lines:
            counter.forget(live)
        self.zones.forget(live, t)
        customers = sum(1 for p in people if p.track_id not in self.zones.staff_ids)
        return FrameResult(
            people, crossings, self.entered, self.exited, {**occupancy, WHOLE_FRAME: customers}, len(people) - customers
        )

    @property
    def entered(self) -> int:
        return sum(c.entered for c in self.lines)

    @property
    def exited(self) -> int:
        return sum(c.exited for c in self.lines)

    def take_dwell_p50(self, t: float) -> dict[str, float]:
        return self.zones.take_dwell_p50(t)
