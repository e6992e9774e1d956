"""The tracker's thresholds that depend on the detector: each model scores people on its own scale."""

from __future__ import annotations

from dataclasses import dataclass

from services.queue.vision.domain.camera_config import CameraView, DetectorKind


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
SSDLite (issue 20): high 0.3/0.4/0.5/0.6 tried. MoveNet (2026-12-07, bench/tracker_sweep.py): high 0.4-0.6,
low 0.1-0.6, coast 0.2-0.7 s, rule: track precision >= 91%, line misses no more than before, most recall + IDF1;
the low boxes SSDLite needs swap identities with MoveNet (IDF1 57.7 -> 67.8 at low 0.4). An operator's ONNX
model was not measured: SSDLite's. These are for eye-level cameras; elevated ones: ``ELEVATED_TUNING``."""

ELEVATED_TUNING = {DetectorKind.MOVENET: SSDLITE_TUNING}
"""Hall (elevated) cameras keep the thresholds of before for MoveNet: on the elevated footage (MOT20-01 +
MOT16-04's first 50 frames, 67 crossings) MoveNet's eye-level ones counted worse (line misses 39 -> 51 with
``auto`` tiles, 31 -> 35 with ``grid2``) for no IDF1 (38.0 -> 37.1, 47.6 -> 46.6). Nothing was tuned there."""


def tuning_for(kind: DetectorKind, view: CameraView = CameraView.EYE_LEVEL) -> TrackingTuning:
    """The tracker's thresholds for a detector on a camera that looks at people that way."""
    if view is CameraView.ELEVATED and kind in ELEVATED_TUNING:
        return ELEVATED_TUNING[kind]
    return TUNING_BY_DETECTOR[kind]
