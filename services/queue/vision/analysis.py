"""One camera's frame analysis: motion gate, detector, counting pipeline; and the debug overlay.

Shared by the camera worker and ``branchops count``. Geometry is scaled to the first frame's size.
"""

from __future__ import annotations

import cv2
import numpy as np

from services.queue.vision.adapters.detectors import Detector, Image, SsdLiteDetector, TiledDetector
from services.queue.vision.adapters.motion import MotionGate
from services.queue.vision.config import CameraConfig, DetectorKind
from services.queue.vision.domain.pipeline import CountingPipeline, FrameResult
from services.queue.vision.domain.tiling import TileSetting
from services.queue.vision.domain.tracker import Detection, TrackerParams
from services.queue.vision.settings import VisionSettings


def build_detector(settings: VisionSettings, kind: DetectorKind | None = None, tiles: TileSetting = 1) -> Detector:
    """The camera's detector; with ``tiles`` other than 1 it runs on side-by-side tiles of each frame."""
    chosen = kind or settings.detector
    detector: Detector
    if chosen is DetectorKind.ONNX:
        from services.queue.vision.adapters.onnx_yolo import OnnxYoloDetector

        if settings.onnx_model is None:
            raise ValueError("detector onnx needs QUEUE_VISION_ONNX_MODEL")
        detector = OnnxYoloDetector(settings.onnx_model, settings.onnx_input_size, settings.score_threshold,
                                    settings.onnx_person_class, settings.nms_iou)
    else:
        detector = SsdLiteDetector(settings.ssd_text_graph, settings.ssd_input_size, settings.score_threshold)
    return detector if tiles == 1 else TiledDetector(detector, tiles)


KEEP_LOST_S = 3.0


def tracker_params(score_threshold: float, analysis_fps: float) -> TrackerParams:
    """Tracker thresholds relative to the detector's; a lost track is kept ``KEEP_LOST_S`` seconds whatever
    the analysis rate (15 frames at 5 fps, 75 at 25 fps), so a person hidden behind another for a moment
    comes back under the same id (and, if now on the other side of a line, counts once)."""
    high = max(score_threshold, 0.4)
    return TrackerParams(high_score=high, low_score=min(score_threshold, high), new_track_score=high,
                         max_lost=max(3, round(KEEP_LOST_S * analysis_fps)), fps=analysis_fps)


class FrameAnalyzer:
    def __init__(self, camera: CameraConfig, detector: Detector, *, gate: MotionGate | None = None,
                 params: TrackerParams | None = None) -> None:
        self.camera = camera
        self.detector = detector
        self.gate = gate
        self.params = params or TrackerParams()
        self.pipeline: CountingPipeline | None = None
        self.size: tuple[int, int] | None = None
        self._last: list[Detection] = []
        self.detector_runs = 0

    def analyze(self, image: Image, t: float) -> FrameResult:
        h, w = image.shape[:2]
        if self.pipeline is None or self.size != (w, h):
            self.size = (w, h)
            self.pipeline = CountingPipeline(self.camera.geometry(w, h), self.params)
        if self.gate is None or self.gate.should_detect(image, t):
            self._last = self.detector.detect(image)
            self.detector_runs += 1
        # on a static frame the last detections stand in, so still people keep their tracks
        return self.pipeline.step(self._last, t)

    def dwell(self, t: float) -> dict[str, float]:
        return self.pipeline.take_dwell_p50(t) if self.pipeline else {}


def draw_overlay(image: Image, result: FrameResult, analyzer: FrameAnalyzer) -> Image:
    """A copy of the frame with lines, zones, boxes and counts (debug stream only)."""
    canvas = image.copy()
    pipeline = analyzer.pipeline
    if pipeline is not None:
        geometry = pipeline.geometry
        for line in geometry.lines.values():
            cv2.line(canvas, (int(line.start.x), int(line.start.y)), (int(line.end.x), int(line.end.y)),
                     (0, 255, 255), 2)
        for color, polygons in (((255, 160, 0), geometry.zones), ((0, 0, 255), geometry.staff_zones)):
            for polygon in polygons.values():
                pts = np.array([[int(p.x), int(p.y)] for p in polygon.points], dtype=np.int32)
                cv2.polylines(canvas, [pts], True, color, 2)
    for person in result.people:
        b = person.box
        cv2.rectangle(canvas, (int(b.x1), int(b.y1)), (int(b.x2), int(b.y2)), (0, 220, 0), 2)
        cv2.putText(canvas, str(person.track_id), (int(b.x1), max(12, int(b.y1) - 4)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 220, 0), 1)
    cv2.putText(canvas, f"in {result.entered} out {result.exited}", (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                (255, 255, 255), 2)
    return canvas
