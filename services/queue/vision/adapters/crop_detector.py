"""The person detector run on crops around the moving regions of each frame (issue 20, item 2).

``MotionCropDetector`` feeds each frame to its own MOG2 (``MotionRegions``), turns the moving blobs into
padded, merged, square crops (``domain/motion_crops.py``), runs ``inner`` on each crop (the inner detector
resizes it to the model's input), maps the boxes back to frame pixels and suppresses duplicates across crops
(NMS). A frame without moving regions gives no detections and no detector run. Frames must come in order:
the background model learns from each.
"""

from __future__ import annotations

import numpy as np

from services.queue.vision.adapters.detectors import Detector, Image, to_detections
from services.queue.vision.adapters.motion import MotionRegions
from services.queue.vision.domain.motion_crops import Crop, motion_crops, to_frame
from services.queue.vision.domain.nms import nms
from services.queue.vision.domain.tracker import Detection

NMS_IOU = 0.5


class MotionCropDetector:
    def __init__(self, inner: Detector, regions: MotionRegions | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.regions = regions or MotionRegions()
        self.last_crops: list[Crop] = []

    def detect(self, image: Image) -> list[Detection]:
        h, w = image.shape[:2]
        self.last_crops = motion_crops(self.regions.regions(image), w, h)
        rows: list[list[float]] = []
        for crop in self.last_crops:
            part = np.ascontiguousarray(image[crop.y0 : crop.y1, crop.x0 : crop.x1])
            found = self.inner.detect(part)
            if found:
                boxes = to_frame(np.array([[d.box.x1, d.box.y1, d.box.x2, d.box.y2] for d in found]), crop)
                rows.extend([*box, d.score] for box, d in zip(boxes.tolist(), found, strict=True))
        if not rows:
            return []
        table = np.array(rows, dtype=np.float64)
        keep = nms(table[:, :4], table[:, 4], NMS_IOU) if len(self.last_crops) > 1 else list(range(len(table)))
        return to_detections(table[keep], w, h, 0.0)
