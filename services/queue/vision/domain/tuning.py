"""The tracker's thresholds that depend on the detector: each model scores people on its own scale."""

from __future__ import annotations

from dataclasses import dataclass

from services.queue.vision.domain.camera_config import DetectorKind


@dataclass(frozen=True)
class TrackingTuning:
    """The tracker's thresholds that depend on how a detector scores: boxes from ``high_floor`` (or the score
    threshold, if higher) start and confirm tracks; ``low_score`` is the detector's low threshold when neither
    the camera nor the service sets one; a missed track is reported (coasting) for ``coast_s`` seconds."""

    high_floor: float
    low_score: float
    coast_s: float


SSDLITE_TUNING = TrackingTuning(high_floor=0.5, low_score=0.2, coast_s=0.2)
TUNING_BY_DETECTOR = {
    DetectorKind.SSDLITE: SSDLITE_TUNING,
    DetectorKind.MOVENET: TrackingTuning(high_floor=0.55, low_score=0.4, coast_s=0.5),
    DetectorKind.ONNX: SSDLITE_TUNING,
}
"""Tuned per detector on MOT16-09 + TUD-Campus only (bench/counting.py; TUD-Stadtmitte and KITTI-17 held out).
SSDLite (issue 20): high 0.3/0.4/0.5/0.6 tried. MoveNet (2026-12-07): high
0.4-0.6, low 0.1-0.6, coast 0.2-0.7 s, rule: track precision >= 91%, line misses no more than before, most
recall + IDF1; the low boxes SSDLite needs swap identities with MoveNet (IDF1 57.7 -> 67.8 at low 0.4).
An operator's ONNX model was not measured: SSDLite's."""
