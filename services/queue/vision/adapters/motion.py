"""Motion gating with OpenCV's MOG2 background subtractor on a small grey copy of the frame.

When nothing moves the detector is skipped and the tracker is fed the previous detections, so a still
queue keeps its tracks; the detector still runs at least every ``max_static_s`` seconds so people who
stand still for a long time are re-confirmed.
"""

from __future__ import annotations

import cv2
import numpy as np

from services.queue.vision.adapters.detectors import Image

WORK_WIDTH = 160


class MotionGate:
    def __init__(self, min_area: float = 0.002, max_static_s: float = 2.0, history: int = 200) -> None:
        self.min_area = min_area
        self.max_static_s = max_static_s
        self._mog = cv2.createBackgroundSubtractorMOG2(history=history, varThreshold=25, detectShadows=False)
        self._last_detect: float | None = None
        self._kernel = np.ones((3, 3), np.uint8)

    def moving_share(self, image: Image) -> float:
        h, w = image.shape[:2]
        small = cv2.resize(image, (WORK_WIDTH, max(1, round(h * WORK_WIDTH / w))), interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        mask = self._mog.apply(grey)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)
        return float(np.count_nonzero(mask)) / mask.size

    def should_detect(self, image: Image, now: float) -> bool:
        moving = self.moving_share(image) >= self.min_area
        stale = self._last_detect is None or now - self._last_detect >= self.max_static_s
        if moving or stale:
            self._last_detect = now
            return True
        return False
