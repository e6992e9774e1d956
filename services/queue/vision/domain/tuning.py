"""The tracker's thresholds that depend on the detector: each model scores people on its own scale."""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.queue.vision.domain.camera_config import CameraView, DetectorKind


@dataclass(frozen=True)
class TrackingTuning:
    """The tracker's thresholds that depend on how a detector scores: boxes from ``high_floor`` (or the score
    threshold, if higher) start and confirm tracks; ``low_score`` is the detector's low threshold when neither
    the camera nor the service sets one; a missed track is reported (coasting) for ``coast_s`` seconds;
    ``appearance_weight`` is the share of colour similarity when overlapping boxes are paired with tracks
    (``TrackerParams.appearance_weight``, 0: boxes alone)."""

    high_floor: float
    low_score: float
    coast_s: float
    appearance_weight: float = 0.0


APPEARANCE_WEIGHT = 0.7
SSDLITE_TUNING = TrackingTuning(high_floor=0.5, low_score=0.2, coast_s=0.2, appearance_weight=APPEARANCE_WEIGHT)
TUNING_BY_DETECTOR = {
    DetectorKind.SSDLITE: SSDLITE_TUNING,
    DetectorKind.MOVENET: TrackingTuning(
        high_floor=0.55, low_score=0.4, coast_s=0.5, appearance_weight=APPEARANCE_WEIGHT
    ),
    DetectorKind.ONNX: SSDLITE_TUNING,
}
"""Tuned per detector on MOT16-09 + TUD-Campus only (bench/counting.py; TUD-Stadtmitte and KITTI-17 held out).
SSDLite (issue 20): high 0.3/0.4/0.5/0.6 tried. MoveNet (2026-12-07, bench/tracker_sweep.py): high 0.4-0.6,
low 0.1-0.6, coast 0.2-0.7 s, rule: track precision >= 91%, line misses no more than before, most recall + IDF1;
the low boxes SSDLite needs swap identities with MoveNet (IDF1 57.7 -> 67.8 at low 0.4). An operator's ONNX
model was not measured: SSDLite's. These are for eye-level cameras; elevated ones: ``ELEVATED_TUNING``.
The appearance weight (2026-12-07, after the thresholds, same pair and rule with MoveNet: 0.3 / 0.5 / 0.7 / 0.9,
blend 0.5 / 0.7 / 0.9) is 0.7 for both models: held out, MoveNet's IDF1 74.4 -> 78.4 and SSDLite's 48.4 -> 50.9
over all four, line counts unchanged (docs/operations.md)."""

HALL_TUNING = replace(SSDLITE_TUNING, appearance_weight=0.0)
ELEVATED_TUNING = {kind: HALL_TUNING for kind in DetectorKind}
"""Hall (elevated) cameras keep the thresholds of before for MoveNet: on the elevated footage (MOT20-01 +
MOT16-04's first 50 frames, 67 crossings) MoveNet's eye-level ones counted worse (line misses 39 -> 51 with
``auto`` tiles, 31 -> 35 with ``grid2``) for no IDF1 (38.0 -> 37.1, 47.6 -> 46.6). Nothing was tuned there.
Nor do they compare colours: seen from above, the upper-body region holds heads and shoulders more than clothing,
and with MoveNet ``grid2`` colours raised IDF1 (47.6 -> 49.2) but missed more crossings (31 -> 35 of 67)."""


def tuning_for(kind: DetectorKind, view: CameraView = CameraView.EYE_LEVEL) -> TrackingTuning:
    """The tracker's thresholds for a detector on a camera that looks at people that way."""
    return ELEVATED_TUNING[kind] if view is CameraView.ELEVATED else TUNING_BY_DETECTOR[kind]
