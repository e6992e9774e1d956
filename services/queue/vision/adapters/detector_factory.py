"""The factory of the camera's person detector, for the entry points that build it once (the camera worker
process, ``branchops count``, the benchmarks)."""

from __future__ import annotations

from dataclasses import replace

from services.queue.vision.adapters.crop_detector import MotionCropDetector
from services.queue.vision.adapters.detectors import Detector, SsdLiteDetector, TiledDetector
from services.queue.vision.adapters.face_assist import FaceAssistedDetector
from services.queue.vision.adapters.grid_detector import GridTiledDetector
from services.queue.vision.adapters.zoom_detector import ZoomRedetector
from services.queue.vision.domain.camera_config import CameraView, DetectorKind
from services.queue.vision.domain.grid import DetectorTiles
from services.queue.vision.domain.tuning import TrackingTuning, tuning_for
from services.queue.vision.domain.zoom import ZoomParams
from services.queue.vision.settings import VisionSettings

ZOOM_LOST_S = 0.5  # zoom looks for tracks missed up to this long (0.03-1 s tried on MOT16-09 + TUD-Campus)


def zoom_params(max_windows: int, analysis_fps: float) -> ZoomParams:
    """Track-guided zoom with ``max_windows`` windows per analysed frame, for tracks missed up to
    ``ZOOM_LOST_S`` (at least the last frame), whatever the analysis rate."""
    return ZoomParams(max_windows=max_windows, max_lost=max(1, round(ZOOM_LOST_S * analysis_fps)))


def tuning_of(
    settings: VisionSettings,
    kind: DetectorKind | None = None,
    view: CameraView = CameraView.EYE_LEVEL,
    camera_appearance: float | None = None,
) -> TrackingTuning:
    """The tracker's thresholds measured for the detector (``kind``: the camera's, else the service's) on a
    camera with that ``view``; the colour share is the camera's ``appearance_weight``, else the service's, else
    the measured one."""
    tuning = tuning_for(kind or settings.detector, view)
    weight = camera_appearance if camera_appearance is not None else settings.appearance_weight
    return tuning if weight is None else replace(tuning, appearance_weight=weight)


def low_score_of(
    settings: VisionSettings,
    camera_low_score: float | None = None,
    kind: DetectorKind | None = None,
    view: CameraView = CameraView.EYE_LEVEL,
) -> float:
    """The score the detector keeps boxes from: the camera's ``detector_low_score``, else the service's, else the
    one measured for the detector and view; never above the score that starts tracks (the tracker's second pass
    takes the boxes between the two)."""
    tuning = tuning_of(settings, kind, view)
    low = camera_low_score if camera_low_score is not None else settings.detector_low_score
    return min(tuning.low_score if low is None else low, max(settings.score_threshold, tuning.high_floor))


def motion_min_area_of(settings: VisionSettings, camera_area: float | None = None) -> float:
    """The moving share of the frame that wakes the detector: the camera's ``motion_min_area``, else the
    service's."""
    return settings.motion_min_area if camera_area is None else camera_area


ZOOM_WINDOWS_BY_DETECTOR = {DetectorKind.SSDLITE: 2, DetectorKind.MOVENET: 0, DetectorKind.ONNX: 0}
"""Zoom windows when neither the camera nor the service sets them: measured on the eye-level footage, two
windows help SSDLite (IDF1 48.4 -> 53.3) and do nothing for MoveNet (IDF1 56.7 -> 56.2); an operator's ONNX model
was not measured."""


def zoom_windows_of(
    settings: VisionSettings, camera_windows: int | None = None, kind: DetectorKind | None = None
) -> int:
    """Track-guided zoom windows per analysed frame: the camera's ``zoom_windows``, else the service's, else the
    measured best for the detector (``kind``: the camera's, else the service's)."""
    if camera_windows is not None:
        return camera_windows
    if settings.zoom_windows is not None:
        return settings.zoom_windows
    return ZOOM_WINDOWS_BY_DETECTOR[kind or settings.detector]


def base_detector(settings: VisionSettings, kind: DetectorKind | None, threshold: float) -> Detector:
    """The model alone (whole image in, boxes from ``threshold`` out): SSDLite, MoveNet, or the operator's ONNX."""
    if (kind or settings.detector) is DetectorKind.MOVENET:
        from services.queue.vision.adapters.movenet import MoveNetDetector

        return MoveNetDetector(settings.movenet_model, settings.movenet_input_size, threshold)
    if (kind or settings.detector) is DetectorKind.ONNX:
        from services.queue.vision.adapters.onnx_yolo import OnnxYoloDetector

        if settings.onnx_model is None:
            raise ValueError("detector onnx needs QUEUE_VISION_ONNX_MODEL")
        return OnnxYoloDetector(
            settings.onnx_model,
            settings.onnx_input_size,
            threshold,
            settings.onnx_person_class,
            settings.nms_iou,
        )
    return SsdLiteDetector(settings.ssd_text_graph, settings.ssd_input_size, threshold)


def face_assist_of(settings: VisionSettings, camera_face_assist: bool | None = None) -> bool:
    """Whether faces add body boxes: the camera's ``face_assist``, else the service's."""
    return settings.face_assist if camera_face_assist is None else camera_face_assist


def build_detector(
    settings: VisionSettings,
    kind: DetectorKind | None = None,
    tiles: DetectorTiles = 1,
    low_score: float | None = None,
    face_assist: bool = False,
) -> Detector:
    """The camera's detector, keeping boxes from ``low_score`` (default: ``low_score_of(settings)``); with
    ``tiles`` other than 1 it runs on side-by-side tiles of each frame, with ``grid2`` / ``grid3`` on a grid of
    tiles (bands of side-by-side tiles); with the setting ``motion_crops`` it runs on crops around the moving
    regions instead (tiles then unused); with ``face_assist`` a body box joins them for each face no person
    box holds."""
    threshold = low_score_of(settings) if low_score is None else low_score
    detector = base_detector(settings, kind, threshold)
    if settings.motion_crops:
        detector = MotionCropDetector(detector)
    elif tiles == "grid2" or tiles == "grid3":
        detector = GridTiledDetector(detector, int(tiles[4:]))
    elif tiles != 1:
        detector = TiledDetector(detector, tiles)
    return FaceAssistedDetector(detector) if face_assist else detector


def build_zoom(
    settings: VisionSettings,
    windows: int,
    analysis_fps: float,
    kind: DetectorKind | None = None,
    low_score: float | None = None,
) -> ZoomRedetector | None:
    """Track-guided zoom (a second instance of the model, run on windows around lost tracks), or None when
    ``windows`` is 0."""
    if windows == 0:
        return None
    threshold = low_score_of(settings) if low_score is None else low_score
    return ZoomRedetector(base_detector(settings, kind, threshold), zoom_params(windows, analysis_fps))
