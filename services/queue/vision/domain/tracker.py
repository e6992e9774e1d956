"""A ByteTrack-like multi-object tracker: IoU association on Kalman predictions, in two passes.

Pass 1 matches confident detections to every live track; pass 2 gives the low-score detections a chance
to keep tracks that the first pass left alone (people half hidden behind another person score low).
A track gets its id only once it has been seen ``min_hits`` times, so a one-frame false alarm burns no
id; a track missing for more than ``max_lost`` frames is dropped. Values in, values out: ``update``
takes the detections of one frame and returns the confirmed tracks seen in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from services.queue.vision.domain.geometry import Box, FloatArray, iou_matrix
from services.queue.vision.domain.kalman import KalmanBox


@dataclass(frozen=True, slots=True)
class Detection:
    box: Box
    score: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} is outside 0..1")


@dataclass(frozen=True, slots=True)
class TrackedPerson:
    track_id: int
    box: Box
    score: float


@dataclass(frozen=True)
class TrackerParams:
    high_score: float = 0.5
    low_score: float = 0.1
    new_track_score: float = 0.5
    match_iou: float = 0.2
    low_match_iou: float = 0.4
    min_hits: int = 2
    max_lost: int = 15

    def __post_init__(self) -> None:
        if not 0 <= self.low_score <= self.high_score <= 1:
            raise ValueError("need 0 <= low_score <= high_score <= 1")
        if not (0 < self.match_iou < 1 and 0 < self.low_match_iou < 1):
            raise ValueError("IoU thresholds must be inside (0, 1)")
        if self.min_hits < 1 or self.max_lost < 0:
            raise ValueError("min_hits must be >= 1 and max_lost >= 0")


@dataclass
class _Track:
    kf: KalmanBox
    score: float
    hits: int = 1
    lost: int = 0
    track_id: int = 0  # 0 until confirmed
    seen_now: bool = True


def greedy_match(iou: FloatArray, threshold: float) -> list[tuple[int, int]]:
    """Pairs (row, col) by decreasing IoU, each row and column at most once, IoU >= threshold."""
    pairs: list[tuple[int, int]] = []
    if iou.size == 0:
        return pairs
    order = np.dstack(np.unravel_index(np.argsort(-iou, axis=None), iou.shape))[0]
    used_r: set[int] = set()
    used_c: set[int] = set()
    for r, c in order:
        if iou[r, c] < threshold:
            break
        if r in used_r or c in used_c:
            continue
        used_r.add(int(r))
        used_c.add(int(c))
        pairs.append((int(r), int(c)))
    return pairs


@dataclass
class Tracker:
    params: TrackerParams = field(default_factory=TrackerParams)
    _tracks: list[_Track] = field(default_factory=list)
    _next_id: int = 1

    def update(self, detections: Sequence[Detection]) -> list[TrackedPerson]:
        p = self.params
        for t in self._tracks:
            t.kf.predict()
            t.seen_now = False
        high = [d for d in detections if d.score >= p.high_score]
        low = [d for d in detections if p.low_score <= d.score < p.high_score]
        confirmed = [t for t in self._tracks if t.track_id]
        tentative = [t for t in self._tracks if not t.track_id]

        left_tracks, left_high = self._associate(confirmed, high, p.match_iou)
        recent = [t for t in left_tracks if t.lost == 0]
        self._associate(recent, low, p.low_match_iou)
        _, new_high = self._associate(tentative, left_high, p.match_iou)

        for t in self._tracks:
            if not t.seen_now:
                t.lost += 1
        self._tracks = [t for t in self._tracks if t.lost <= (p.max_lost if t.track_id else 0)]
        for d in new_high:
            if d.score >= p.new_track_score:
                self._tracks.append(_Track(KalmanBox.start(_arr(d.box)), d.score))
        out: list[TrackedPerson] = []
        for t in self._tracks:
            if not t.track_id and t.hits >= p.min_hits:
                t.track_id, self._next_id = self._next_id, self._next_id + 1
            if t.track_id and t.seen_now:
                out.append(TrackedPerson(t.track_id, _box(t.kf.box), round(t.score, 3)))
        return out

    def _associate(self, tracks: list[_Track], dets: list[Detection],
                   threshold: float) -> tuple[list[_Track], list[Detection]]:
        if not tracks or not dets:
            return tracks, dets
        iou = iou_matrix(np.array([t.kf.box for t in tracks]), np.array([_arr(d.box) for d in dets]))
        pairs = greedy_match(iou, threshold)
        for r, c in pairs:
            t = tracks[r]
            t.kf.update(_arr(dets[c].box))
            t.score, t.hits, t.lost, t.seen_now = dets[c].score, t.hits + 1, 0, True
        matched_r = {r for r, _ in pairs}
        matched_c = {c for _, c in pairs}
        return ([t for i, t in enumerate(tracks) if i not in matched_r],
                [d for i, d in enumerate(dets) if i not in matched_c])

    @property
    def live_ids(self) -> set[int]:
        return {t.track_id for t in self._tracks if t.track_id}


def _arr(box: Box) -> FloatArray:
    return np.array([box.x1, box.y1, box.x2, box.y2], dtype=np.float64)


def _box(a: FloatArray) -> Box:
    x1, y1, x2, y2 = (float(v) for v in a)
    return Box(x1, y1, max(x2, x1 + 1), max(y2, y1 + 1))
