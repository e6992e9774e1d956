"""Polygon zones: who is inside now (occupancy) and for how long (dwell); staff zones mark staff.

A track whose anchor stays in a staff zone for ``staff_min_frames`` frames is staff from then on: it is
left out of every customer zone and every line count. Times are seconds on any monotonic clock the
caller chooses (video time for files, wall time for live cameras).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from services.queue.vision.domain.geometry import Anchor, Polygon
from services.queue.vision.domain.tracker import TrackedPerson


@dataclass
class Zone:
    name: str
    polygon: Polygon
    inside_since: dict[int, float] = field(default_factory=dict)
    finished_dwells: list[float] = field(default_factory=list)

    def update(self, present: dict[int, bool], now: float) -> None:
        """``present`` maps every visible customer track to whether its anchor is inside."""
        for track_id, inside in present.items():
            if inside:
                self.inside_since.setdefault(track_id, now)
            elif track_id in self.inside_since:
                self.finished_dwells.append(now - self.inside_since.pop(track_id))

    def leave(self, track_ids: Iterable[int], now: float) -> None:
        for track_id in track_ids:
            if track_id in self.inside_since:
                self.finished_dwells.append(now - self.inside_since.pop(track_id))

    @property
    def occupancy(self) -> int:
        return len(self.inside_since)

    def take_dwell_p50(self, now: float) -> float | None:
        """Median dwell of people who left since the last call and of people still inside; then reset."""
        samples = self.finished_dwells + [now - t for t in self.inside_since.values()]
        self.finished_dwells = []
        return round(statistics.median(samples), 1) if samples else None


@dataclass
class ZoneSet:
    zones: list[Zone]
    staff_zones: list[Polygon]
    anchor: Anchor = Anchor.BOTTOM_CENTER
    staff_min_frames: int = 3
    staff_ids: set[int] = field(default_factory=set)
    _staff_streak: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [z.name for z in self.zones]
        if len(set(names)) != len(names):
            raise ValueError("zone names must be unique")

    def update(self, tracks: Sequence[TrackedPerson], now: float) -> dict[str, int]:
        customers: list[TrackedPerson] = []
        for person in tracks:
            p = self.anchor.of(person.box)
            if person.track_id not in self.staff_ids and any(z.contains(p) for z in self.staff_zones):
                streak = self._staff_streak.get(person.track_id, 0) + 1
                self._staff_streak[person.track_id] = streak
                if streak >= self.staff_min_frames:
                    self.staff_ids.add(person.track_id)
                    for zone in self.zones:
                        zone.inside_since.pop(person.track_id, None)
            else:
                self._staff_streak.pop(person.track_id, None)
            if person.track_id not in self.staff_ids:
                customers.append(person)
        for zone in self.zones:
            zone.update({c.track_id: zone.polygon.contains(self.anchor.of(c.box)) for c in customers}, now)
        return self.occupancy

    def is_staff_candidate(self, person: TrackedPerson) -> bool:
        """In a staff zone now (even before the streak makes it staff): never counted at a line."""
        p = self.anchor.of(person.box)
        return person.track_id in self.staff_ids or any(z.contains(p) for z in self.staff_zones)

    @property
    def occupancy(self) -> dict[str, int]:
        return {z.name: z.occupancy for z in self.zones}

    def forget(self, live_ids: Iterable[int], now: float) -> None:
        keep = set(live_ids)
        for zone in self.zones:
            zone.leave([t for t in zone.inside_since if t not in keep], now)
        self.staff_ids &= keep
        for track_id in [t for t in self._staff_streak if t not in keep]:
            del self._staff_streak[track_id]

    def take_dwell_p50(self, now: float) -> dict[str, float]:
        found = {z.name: z.take_dwell_p50(now) for z in self.zones}
        return {name: value for name, value in found.items() if value is not None}
