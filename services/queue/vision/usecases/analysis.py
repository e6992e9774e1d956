"""One camera's frame analysis: motion gate, detector, counting pipeline.

Shared by the camera worker and ``branchops count``; they build the detector (adapters/detector_factory.py)
and hand it in, with the track-guided zoom (``ZoomRedetector``, domain/zoom.py) when it is on: after the
detector, the zoom looks again around the tracks it missed, and what it finds joins the frame's detections.
Geometry is scaled to the first frame's size.
"""

from __future__ import annotations

from dataclasses import replace

from services.queue.vision.adapters.appearance import with_appearance
from services.queue.vision.adapters.detectors import Detector, Image
from services.queue.vision.adapters.motion import MotionGate
from services.queue.vision.adapters.zoom_detector import ZoomRedetector
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.domain.occupancy import foot_points
from services.queue.vision.domain.pipeline import CountingPipeline, FrameResult, Geometry
from services.queue.vision.domain.tracker import Detection, TrackerParams
from services.queue.vision.domain.tuning import SSDLITE_TUNING, TrackingTuning

KEEP_LOST_S = 3.0


def tracker_params(
    score_threshold: float,
    analysis_fps: float,
    low_score: float | None = None,
    tuning: TrackingTuning = SSDLITE_TUNING,
) -> TrackerParams:
    """Tracker thresholds relative to the detector's (two-stage association, ByteTrack-style).

    Detections scoring at least ``score_threshold`` (but not below the detector's ``tuning.high_floor``) start
    and confirm tracks; those from ``low_score`` (the detector's low threshold, ``detector_low_score``) up to it may
    only extend existing tracks. Without ``low_score`` nothing below ``score_threshold`` reaches the
    tracker. A missed confirmed track is still reported at its predicted box (coasting) for ``tuning.coast_s``
    seconds, and kept for ``KEEP_LOST_S`` seconds whatever the analysis rate (15 frames at 5 fps, 75 at
    25 fps), so a person hidden behind another for a moment comes back under the same id (and, if now on
    the other side of a line, counts once). Overlapping boxes are paired with tracks by colour too when the
    tuning says so (``tuning.appearance_weight``; the analyzer then takes each detection's colour signature)."""
    high = max(score_threshold, tuning.high_floor)
    low = score_threshold if low_score is None else low_score
    max_lost = max(3, round(KEEP_LOST_S * analysis_fps))
    return TrackerParams(
        high_score=high,
        low_score=min(low, high),
        new_track_score=high,
        max_lost=max_lost,
        max_coast=min(max_lost, max(1, round(tuning.coast_s * analysis_fps))),
        fps=analysis_fps,
        appearance_weight=tuning.appearance_weight,
    )


class FrameAnalyzer:
    def __init__(
        self,
        camera: CameraConfig,
        detector: Detector,
        *,
        gate: MotionGate | None = None,
        params: TrackerParams | None = None,
        zoom: ZoomRedetector | None = None,
    ) -> None:
        self.camera = camera
        self.detector = detector
        self.zoom = zoom
        self.gate = gate
        self.params = params or TrackerParams()
        self.pipeline: CountingPipeline | None = None
        self.size: tuple[int, int] | None = None
        self._last: list[Detection] = []
        self.detector_runs = 0

    @property
    def geometry(self) -> Geometry | None:
        """The lines and zones in the pixels of the frames analysed so far (None before the first)."""
        return self.pipeline.geometry if self.pipeline is not None else None

    def analyze(self, image: Image, t: float) -> FrameResult:
        h, w = image.shape[:2]
        if self.pipeline is None or self.size != (w, h):
            self.size = (w, h)
            self.pipeline = CountingPipeline(self.camera.geometry(w, h), replace(self.params, frame=(w, h)))
        if self.gate is None or self.gate.should_detect(image, t):
            self._last = self.detector.detect(image)
            self.detector_runs += 1
            if self.zoom is not None:
                predicted = self.pipeline.tracker.predictions(t)
                self._last = self._last + self.zoom.recover(image, predicted, self._last)
            if self.params.appearance_weight > 0:
                self._last = with_appearance(image, self._last)
        # on a static frame the last detections stand in, so still people keep their tracks
        return self.pipeline.step(self._last, t)

    def customer_feet(self, result: FrameResult) -> list[tuple[float, float]]:
        """The foot points (bottom centre, as fractions of the frame) of the confirmed tracks in ``result``
        (coasting ones too), staff left out: what the occupancy grid counts."""
        if self.pipeline is None or self.size is None:
            return []
        staff = self.pipeline.zones.staff_ids
        boxes = [(p.box.x1, p.box.y1, p.box.x2, p.box.y2) for p in result.people if p.track_id not in staff]
        return foot_points(boxes, *self.size)

    def dwell(self, t: float) -> dict[str, float]:
        return self.pipeline.take_dwell_p50(t) if self.pipeline else {}
