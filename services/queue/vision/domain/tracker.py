"""A ByteTrack-like multi-object tracker: IoU association on Kalman predictions, plus a distance stage.

Pass 1 matches confident detections to every live track; pass 2 gives the low-score detections a chance
to keep tracks that the first pass left alone (people half hidden behind another person score low).
Pass 3 is for what IoU cannot see: a confident detection that does not overlap the track's predicted box
at all, because the person moved more than a box width between two analysed frames (5 fps, someone
close to the camera) or because the track was lost for a while and its prediction drifted. Tracks and
detections left over by IoU are paired by the distance between the predicted box centre and the
detection centre in units of the predicted box height (``distance_gate``; half a body height is about
one step), only when the two heights agree within ``size_ratio``, nearest pairs first. New (tentative)
tracks get the same two stages, so a fast walker can be confirmed at a low frame rate.
With ``appearance_weight`` above 0 the IoU passes also go by what people look like (``domain/appearance.py``):
among the pairs that overlap enough, a pair scores ``(1 - weight) * IoU + weight * colour similarity`` of the
detection's signature and the track's (a running blend, ``appearance_memory`` of the old per match), so where
two people's boxes overlap each track keeps the person dressed like it instead of the one overlapping more.
Only confident detections (``new_track_score``) start tracks; a low-score detection can only extend one.
A track gets its id only once it has been seen ``min_hits`` times, so a one-frame false alarm burns no
id. A confirmed track that no detection matched *coasts*: it is still reported, at its Kalman-predicted box
and flagged ``coasting``, for up to ``max_coast`` frames (short occlusions, detector misses), clipped to the
``frame`` when its size is known and no longer once most of the box is outside it; a track missing
for more than ``max_lost`` frames is dropped (``analysis.tracker_params`` sets it
from seconds and the analysis rate). The Kalman filter moves by the real time between frames (``t`` of
``update``; without it, ``1 / fps``), so 5 fps and 25 fps cameras predict the same motion.
Values in, values out: ``update`` takes the detections of one frame and returns the confirmed tracks
seen or coasting in it; ``predictions`` tells, without moving the tracker on, where ``update`` will look for
each confirmed track (the track-guided zoom looks there again when the detector found nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from services.queue.vision.domain.appearance import appearance_scores, blend, similarity_matrix
from services.queue.vision.domain.geometry import Box, FloatArray, iou_matrix
from services.queue.vision.domain.kalman import KalmanBox


@dataclass(frozen=True, slots=True)
class Detection:
    box: Box
    score: float
    appearance: FloatArray | None = field(default=None, compare=False, repr=False)  # colour signature, if taken

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} is outside 0..1")


@dataclass(frozen=True, slots=True)
class TrackedPerson:
    """A confirmed track in one frame: the filtered box when a detection matched it this frame, else
    (``coasting``) the Kalman prediction; ``score`` is the score of the last matched detection."""

    track_id: int
    box: Box
    score: float
    coasting: bool = False


@dataclass(frozen=True, slots=True)
class PredictedTrack:
    """Where a confirmed track is expected in the next frame (``Tracker.predictions``); ``lost``: analysed frames
    it has been missed so far."""

    track_id: int
    box: Box
    lost: int


@dataclass(frozen=True)
class TrackerParams:
    high_score: float = 0.5
    low_score: float = 0.1
    new_track_score: float = 0.5
    match_iou: float = 0.2
    low_match_iou: float = 0.4
    min_hits: int = 2
    max_lost: int = 15
    max_coast: int = 0  # frames a confirmed track missed is still reported (coasting, predicted box)
    low_match_lost: int = 0  # pass 2 offers low scores to tracks missed for at most this many frames
    frame: tuple[float, float] | None = None  # width, height: coasting boxes are clipped to it
    coast_inside: float = 0.5  # a coasting box with less of its area inside the frame is not reported
    fps: float = 30.0  # frames per second assumed when ``update`` is given no time
    distance_gate: float = 0.5  # pass 3: centre distance in predicted box heights; 0 switches it off
    size_ratio: float = 1.5  # pass 3: the larger height over the smaller at most this
    appearance_weight: float = 0.0  # IoU passes: share of colour similarity in a pair's score; 0 switches it off
    appearance_memory: float = 0.9  # share of a track's signature kept at each match

    def __post_init__(self) -> None:
        if not 0 <= self.low_score <= self.high_score <= 1:
            raise ValueError("need 0 <= low_score <= high_score <= 1")
        if not (0 < self.match_iou < 1 and 0 < self.low_match_iou < 1):
            raise ValueError("IoU thresholds must be inside (0, 1)")
        if self.min_hits < 1 or self.max_lost < 0:
            raise ValueError("min_hits must be >= 1 and max_lost >= 0")
        if not 0 <= self.max_coast <= self.max_lost:
            raise ValueError("need 0 <= max_coast <= max_lost")
        if self.fps <= 0 or self.distance_gate < 0 or self.size_ratio < 1:
            raise ValueError("need fps > 0, distance_gate >= 0 and size_ratio >= 1")
        if not (0 <= self.appearance_weight <= 1 and 0 <= self.appearance_memory < 1):
            raise ValueError("need 0 <= appearance_weight <= 1 and 0 <= appearance_memory < 1")


@dataclass
class _Track:
    kf: KalmanBox
    score: float
    hits: int = 1
    lost: int = 0
    track_id: int = 0  # 0 until confirmed
    seen_now: bool = True
    appearance: FloatArray | None = None


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


def centre_distance(predicted: FloatArray, boxes: FloatArray, size_ratio: float) -> FloatArray:
    """Distance between box centres (N predicted x M detected) in predicted box heights; ``inf`` where
    the heights differ by more than ``size_ratio``."""
    pc = (predicted[:, None, :2] + predicted[:, None, 2:]) / 2
    dc = (boxes[None, :, :2] + boxes[None, :, 2:]) / 2
    hp = np.maximum(predicted[:, None, 3] - predicted[:, None, 1], 1.0)
    hd = np.maximum(boxes[None, :, 3] - boxes[None, :, 1], 1.0)
    dist = np.linalg.norm(pc - dc, axis=2) / hp
    return np.where(np.maximum(hp / hd, hd / hp) <= size_ratio, dist, np.inf)


@dataclass
class Tracker:
    params: TrackerParams = field(default_factory=TrackerParams)
    _tracks: list[_Track] = field(default_factory=list)
    _next_id: int = 1
    _last_t: float | None = None

    def _interval(self, t: float | None) -> float:
        if t is not None and self._last_t is not None and t > self._last_t:
            return t - self._last_t
        return 1 / self.params.fps

    def predictions(self, t: float | None = None) -> list[PredictedTrack]:
        """The boxes ``update`` at time ``t`` will match the confirmed tracks against (the same prediction),
        without moving the tracker on."""
        dt = self._interval(t)
        out: list[PredictedTrack] = []
        for track in self._tracks:
            if track.track_id:
                kf = KalmanBox(track.kf.mean.copy(), track.kf.cov.copy())
                kf.predict(dt, hold_size=track.lost > 0)
                out.append(PredictedTrack(track.track_id, _box(kf.box), track.lost))
        return out

    def update(self, detections: Sequence[Detection], t: float | None = None) -> list[TrackedPerson]:
        """One frame's detections (at time ``t`` seconds, if known) in; out the confirmed tracks seen in it
        and those missed for at most ``max_coast`` frames (``coasting``, at their predicted box)."""
        p = self.params
        dt = self._interval(t)
        if t is not None:
            self._last_t = t
        for track in self._tracks:
            track.kf.predict(dt, hold_size=track.lost > 0)
            track.seen_now = False
        high = [d for d in detections if d.score >= p.high_score]
        low = [d for d in detections if p.low_score <= d.score < p.high_score]
        confirmed = [tr for tr in self._tracks if tr.track_id]
        tentative = [tr for tr in self._tracks if not tr.track_id]

        left_tracks, left_high = self._associate(confirmed, high, p.match_iou)
        recent = [tr for tr in left_tracks if tr.lost <= p.low_match_lost]
        self._associate(recent, low, p.low_match_iou)
        left_tracks = [tr for tr in left_tracks if not tr.seen_now]
        _, left_high = self._associate_near(left_tracks, left_high)
        left_tentative, new_high = self._associate(tentative, left_high, p.match_iou)
        _, new_high = self._associate_near(left_tentative, new_high)

        for track in self._tracks:
            if not track.seen_now:
                track.lost += 1
        self._tracks = [tr for tr in self._tracks if tr.lost <= (p.max_lost if tr.track_id else 0)]
        for d in new_high:
            if d.score >= p.new_track_score:
                self._tracks.append(_Track(KalmanBox.start(_arr(d.box)), d.score, appearance=d.appearance))
        out: list[TrackedPerson] = []
        for track in self._tracks:
            if not track.track_id and track.hits >= p.min_hits:
                track.track_id, self._next_id = self._next_id, self._next_id + 1
            if track.track_id and track.seen_now:
                out.append(TrackedPerson(track.track_id, _box(track.kf.box), round(track.score, 3)))
            elif track.track_id and track.lost <= p.max_coast and (box := self._coasting_box(track)) is not None:
                out.append(TrackedPerson(track.track_id, box, round(track.score, 3), coasting=True))
        return out

    def _coasting_box(self, track: _Track) -> Box | None:
        """The predicted box, clipped to the frame when its size is known; None when less than
        ``coast_inside`` of it is inside (the person has walked out of the picture)."""
        box = track.kf.box
        if self.params.frame is None:
            return _box(box)
        w, h = self.params.frame
        clipped = np.clip(box, 0.0, [w, h, w, h])
        area = (box[2] - box[0]) * (box[3] - box[1])
        inside = (clipped[2] - clipped[0]) * (clipped[3] - clipped[1])
        return _box(clipped) if area > 0 and inside >= self.params.coast_inside * area else None

    def _associate(
        self, tracks: list[_Track], dets: list[Detection], threshold: float
    ) -> tuple[list[_Track], list[Detection]]:
        if not tracks or not dets:
            return tracks, dets
        iou = iou_matrix(np.array([t.kf.box for t in tracks]), np.array([_arr(d.box) for d in dets]))
        weight = self.params.appearance_weight
        if weight == 0:
            return self._apply(tracks, dets, greedy_match(iou, threshold))
        similarity = similarity_matrix([t.appearance for t in tracks], [d.appearance for d in dets])
        scores = appearance_scores(iou, similarity, weight, threshold)
        return self._apply(tracks, dets, greedy_match(scores, 0.0))

    def _associate_near(self, tracks: list[_Track], dets: list[Detection]) -> tuple[list[_Track], list[Detection]]:
        p = self.params
        if not tracks or not dets or p.distance_gate == 0:
            return tracks, dets
        dist = centre_distance(
            np.array([t.kf.box for t in tracks]), np.array([_arr(d.box) for d in dets]), p.size_ratio
        )
        return self._apply(tracks, dets, greedy_match(-dist, -p.distance_gate))

    def _apply(
        self, tracks: list[_Track], dets: list[Detection], pairs: list[tuple[int, int]]
    ) -> tuple[list[_Track], list[Detection]]:
        for r, c in pairs:
            t = tracks[r]
            t.kf.update(_arr(dets[c].box))
            t.score, t.hits, t.lost, t.seen_now = dets[c].score, t.hits + 1, 0, True
            t.appearance = blend(t.appearance, dets[c].appearance, self.params.appearance_memory)
        matched_r = {r for r, _ in pairs}
        matched_c = {c for _, c in pairs}
        return (
            [t for i, t in enumerate(tracks) if i not in matched_r],
            [d for i, d in enumerate(dets) if i not in matched_c],
        )

    @property
    def live_ids(self) -> set[int]:
        return {t.track_id for t in self._tracks if t.track_id}


def _arr(box: Box) -> FloatArray:
    return np.array([box.x1, box.y1, box.x2, box.y2], dtype=np.float64)


def _box(a: FloatArray) -> Box:
    x1, y1, x2, y2 = (float(v) for v in a)
    return Box(x1, y1, max(x2, x1 + 1), max(y2, y1 + 1))
