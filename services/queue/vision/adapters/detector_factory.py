"""The factory of the camera's person detector, for the entry points that build it once (the camera worker
process, ``branchops count``, the benchmarks)."""

from __future__ import annotations

from services.queue.vision.adapters.detectors import Detector, SsdLiteDetector, TiledDetector
from services.queue.vision.domain.camera_config import DetectorKind
from services.queue.vision.domain.tiling import TileSetting
from services.queue.vision.settings import VisionSettings


def build_detector(settings: VisionSettings, kind: DetectorKind | None = None, tiles: TileSetting = 1) -> Detector:
    """The camera's detector; with ``tiles`` other than 1 it runs on side-by-side tiles of each frame."""
    chosen = kind or settings.detector
    detector: Detector
    if chosen is DetectorKind.ONNX:
        from services.queue.vision.adapters.onnx_yolo import OnnxYoloDetector

        if settings.onnx_model is None:
            raise ValueError("detector onnx needs QUEUE_VISION_ONNX_MODEL")
        detector = OnnxYoloDetector(
            settings.onnx_model,
            settings.onnx_input_size,
            settings.score_threshold,
            settings.onnx_person_class,
            settings.nms_iou,
        )
    else:
        detector = SsdLiteDetector(settings.ssd_text_graph, settings.ssd_input_size, settings.score_threshold)
    return detector if tiles == 1 else TiledDetector(detector, tiles)
