"""An operator-supplied YOLO-style ONNX detector on onnxruntime: letterbox in, NMS out.

Two output layouts are understood: YOLOv5-like ``[1, N, 5 + C]`` (cx, cy, w, h, objectness, class
scores) and YOLOv8-like ``[1, 4 + C, N]`` (cx, cy, w, h, class scores; no objectness). The one with
fewer rows than columns is taken as the v8 layout. Only the person class is kept.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from services.queue.vision.adapters.detectors import Image, ModelUnavailable, to_detections
from services.queue.vision.domain.nms import Letterbox, nms
from services.queue.vision.domain.tracker import Detection


def letterbox_image(image: Image, box: Letterbox) -> Image:
    rw, rh = box.resized
    px, py = box.pad
    canvas = np.full((box.size, box.size, 3), 114, dtype=np.uint8)
    left, top = int(px), int(py)
    canvas[top : top + rh, left : left + rw] = cv2.resize(image, (rw, rh), interpolation=cv2.INTER_LINEAR)
    return canvas


def decode_yolo(
    output: npt.NDArray[Any], box: Letterbox, person_class: int, threshold: float, nms_iou: float
) -> list[Detection]:
    """Raw model output to person detections in original image pixels."""
    pred = np.asarray(output, dtype=np.float64)
    if pred.ndim == 3:
        pred = pred[0]
    if pred.ndim != 2 or min(pred.shape) < 5:
        raise ValueError(f"unexpected YOLO output shape {tuple(np.shape(output))}")
    v8 = pred.shape[0] < pred.shape[1]
    if v8:
        pred = pred.T
        first_class = 4
        objectness = np.ones(len(pred))
    else:
        first_class = 5
        objectness = pred[:, 4]
    column = first_class + person_class
    if column >= pred.shape[1]:
        raise ValueError(f"person class {person_class} is not among the model's {pred.shape[1] - first_class} classes")
    scores = objectness * pred[:, column] if pred.shape[1] > first_class else objectness
    keep = scores >= threshold
    pred, scores = pred[keep], scores[keep]
    if not len(pred):
        return []
    cx, cy, w, h = pred[:, 0], pred[:, 1], pred[:, 2], pred[:, 3]
    boxes = box.to_image(np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]))
    kept = nms(boxes, scores, nms_iou)
    rows = np.column_stack([boxes[kept], scores[kept]])
    return to_detections(rows, box.width, box.height, threshold)


class OnnxYoloDetector:
    name = "onnx"

    def __init__(
        self,
        model: Path,
        input_size: int = 640,
        score_threshold: float = 0.3,
        person_class: int = 0,
        nms_iou: float = 0.45,
    ) -> None:
        if not model.is_file():
            raise ModelUnavailable(f"ONNX model {model} not found")
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self.input_size = input_size
        self.score_threshold = score_threshold
        self.person_class = person_class
        self.nms_iou = nms_iou

    def detect(self, image: Image) -> list[Detection]:
        h, w = image.shape[:2]
        box = Letterbox(w, h, self.input_size)
        blob = cv2.dnn.blobFromImage(letterbox_image(image, box), 1 / 255.0, swapRB=True)
        output = self._session.run(None, {self._input: blob.astype(np.float32)})[0]
        return decode_yolo(output, box, self.person_class, self.score_threshold, self.nms_iou)
