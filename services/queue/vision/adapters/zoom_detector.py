"""Track-guided zoom: the detector run again on small windows around people it lost (domain/zoom.py).

``ZoomRedetector.recover`` crops each window ``zoom_windows`` picks, runs ``inner`` on it (the inner detector
resizes the crop to the model's input, so the person is seen several times larger than in the whole frame),
moves the boxes to frame pixels and keeps the one that is the track's (``recovered``). One detector run per
window; ``runs`` counts them for the benchmarks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from services.queue.vision.adapters.detectors import Detector, Image
from services.queue.vision.domain.tracker import Detection, PredictedTrack
from services.queue.vision.domain.zoom import ZoomParams, recovered, to_frame, zoom_windows


class ZoomRedetector:
    def __init__(self, inner: Detector, params: ZoomParams) -> None:
        if params.max_windows < 1:
            raise ValueError("a zoom re-detector needs max_windows >= 1")
        self.inner = inner
        self.params = params
        self.runs = 0

    def recover(
        self, image: Image, predicted: Sequence[PredictedTrack], detections: Sequence[Detection]
    ) -> list[Detection]:
        """Boxes of tracked people the frame's ``detections`` missed, found in zoomed windows (frame pixels)."""
        h, w = image.shape[:2]
        found: list[Detection] = []
        for window in zoom_windows(predicted, detections, w, h, self.params):
            crop = np.ascontiguousarray(image[window.y0 : window.y1, window.x0 : window.x1])
            self.runs += 1
            best = recovered(window, to_frame(window, self.inner.detect(crop)), self.params.match_iou)
            if best is not None:
                found.append(best)
        return found
