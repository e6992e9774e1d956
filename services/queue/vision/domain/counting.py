"""Line crossings with direction and debounce.

A track has a *settled side* of the line. Its anchor inside the dead band (``margin`` pixels, or a
tenth of the person's height if more, either side of the line) changes nothing; a new side must hold for
``min_frames`` frames in a row before it settles, and only a change of settled side counts. So a person standing on
the line, or a box that jitters across it, never counts, and never counts twice: every count needs a real move from one
clear side to the other. A track first seen on a side settles there without a count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from services.queue.vision.domain.geometry import Anchor, Line
from services.queue.vision.domain.tracker import TrackedPerson


@dataclass(frozen=True, slots=True)
class Crossing:
    track_id: int
    entered: bool  # False: exited


@dataclass
class _SideState:
    settled: int = 0  # +1 entry side, -1 outside, 0 not yet known
    candidate: int = 0
    streak: int = 0


@dataclass
class LineCounter:
    """Counts crossings of one line. ``trigger`` takes one frame's tracks and returns its crossings."""

    line: Line
    name: str = "line"
    margin: float = 6.0
    min_frames: int = 2
    margin_ratio: float = 0.1  # the dead band grows with the person: max(margin, ratio * box height)
    anchor: Anchor = Anchor.BOTTOM_CENTER
    entered: int = 0
    exited: int = 0
    _state: dict[int, _SideState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.margin < 0 or not 0 <= self.margin_ratio < 1:
            raise ValueError("margin must be >= 0 and margin_ratio within 0..1")
        if self.min_frames < 1:
            raise ValueError("min_frames must be >= 1")

    def trigger(self, tracks: Sequence[TrackedPerson], skip: Iterable[int] = ()) -> list[Crossing]:
        """Crossings in this frame; tracks in ``skip`` (staff) are followed but never counted."""
        excluded = set(skip)
        crossings: list[Crossing] = []
        for person in tracks:
            p = self.anchor.of(person.box)
            d = self.line.signed_distance(p)
            margin = max(self.margin, self.margin_ratio * person.box.height)
            side = 1 if d > margin else -1 if d < -margin else 0
            st = self._state.setdefault(person.track_id, _SideState())
            if side == 0 or side == st.settled:
                st.candidate, st.streak = 0, 0
                continue
            if st.settled == 0:
                st.settled = side
                continue
            st.streak = st.streak + 1 if st.candidate == side else 1
            st.candidate = side
            if st.streak < self.min_frames:
                continue
            st.settled, st.candidate, st.streak = side, 0, 0
            tol = margin / self.line.length
            if not -tol <= self.line.projection(p) <= 1 + tol:
                continue  # walked around the end of the line, not across it
            if person.track_id in excluded:
                continue
            crossing = Crossing(person.track_id, entered=side > 0)
            if crossing.entered:
                self.entered += 1
            else:
                self.exited += 1
            crossings.append(crossing)
        return crossings

    def forget(self, live_ids: Iterable[int]) -> None:
        """Drop the state of tracks the tracker no longer holds."""
        keep = set(live_ids)
        for track_id in [t for t in self._state if t not in keep]:
            del self._state[track_id]
