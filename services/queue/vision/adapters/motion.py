"""Motion gating with OpenCV's MOG2 background subtractor on a small grey copy of the frame.

When nothing moves the detector is skipped and the tracker is fed the previous detections, so a still
queue keeps its tracks; the detector still runs at least every ``max_static_s`` seconds so people who
stand still for a long time are re-confirmed.

``MotionRegions`` gives the bounding boxes of the moving blobs in frame pixels (MOG2 mask, opened, connected
components of at least ``min_blob`` of the small copy's area), for the motion-region crop detector.
"""

from __future__ import annotations

import cv2
import numpy as np

from services.queue.vision.adapters.detectors import Image

WORK_WIDTH = 160


def _small_grey(image: Image) -> Image:
    h, w = image.shape[:2]
    small = cv2.resize(image, (WORK_WIDTH, max(1, round(h * WORK_WIDTH / w))), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small


class MotionRegions:
    """Bounding boxes (x1, y1, x2, y2, frame pixels) of the moving blobs of each frame fed in order."""

    def __init__(self, min_blob: float = 0.0015, history: int = 200) -> None:
        self.min_blob = min_blob
        self._mog = cv2.createBackgroundSubtractorMOG2(history=history, varThreshold=25, detectShadows=False)
        self._kernel = np.ones((3, 3), np.uint8)

    def regions(self, image: Image) -> list[tuple[float, float, float, float]]:
        h, w = image.shape[:2]
        grey = _small_grey(image)
        mask = cv2.morphologyEx(self._mog.apply(grey), cv2.MORPH_OPEN, self._kernel)
        mask = cv2.dilate(mask, self._kernel)  # joins a person's parts split by the opening
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        sx, sy = w / grey.shape[1], h / grey.shape[0]
        floor = self.min_blob * mask.size
        return [
            (float(x * sx), float(y * sy), float((x + bw) * sx), float((y + bh) * sy))
            for x, y, bw, bh, area in stats[1:count].tolist()
            if area >= floor
        ]


class MotionGate:
    def __init__(self, min_area: float = 0.002, max_static_s: float = 2.0, history: int = 200) -> None:
        self.min_area = min_area
        self.max_static_s = max_static_s
        self._mog = cv2.createBackgroundSubtractorMOG2(history=history, varThreshold=25, detectShadows=False)
        self._last_detect: float | None = None
        self._kernel = np.ones((3, 3), np.uint8)

    def moving_share(self, image: Image) -> float:
        mask = self._mog.apply(_small_grey(image))
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)
        return float(np.count_nonzero(mask)) / mask.size

    def should_detect(self, image: Image, now: float) -> bool:
        moving = self.moving_share(image) >= self.min_area
        stale = self._last_detect is None or now - self._last_detect >= self.max_static_s
        if moving or stale:
            self._last_detect = now
            return True
        return False
