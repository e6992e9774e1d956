"""The face side of KYC: portrait on the ID card, selfie, verification and liveness frames.

The caller hands in the ``FaceEngine`` (the app's, from bootstrap.py via ``Engines``; the CLI's and the
benchmarks' built once with ``FaceEngine()``). Blocking (OpenCV); callers on the event loop run these in an
executor. Images stay in memory and are dropped when the call returns; only embeddings and numbers leave.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from services.kyc.adapters.card_locator import locate_document
from services.kyc.adapters.face_analysis import looks_digital, observe
from services.kyc.adapters.face_models import FaceEngine, cosine
from services.kyc.adapters.image_decode import ImageLimits, decode_image
from services.kyc.domain.errors import (
    FaceTooSmallError,
    MultipleFacesError,
    NoFaceError,
    NoPortraitError,
    NotACameraImageError,
)
from services.kyc.domain.face_decision import MatchThresholds, match_decision, match_reason
from services.kyc.domain.face_types import DetectedFace, FrameObservation

SELFIE_LONG_SIDE = 640
DOCUMENT_LONG_SIDE = 640
MIN_INTER_OCULAR_PX = 18.0
# A portrait found at this YuNet score is taken without searching the other turns (upright real portraits
# scored 0.94; the misaligned unturned view of an upside-down card 0.81).
SURE_PORTRAIT_SCORE = 0.9
_ROTATIONS = (None, cv2.ROTATE_180, cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE)


@dataclass(frozen=True)
class FaceSample:
    embedding: np.ndarray
    face: DetectedFace
    camera: bool  # False: the picture looks like a screenshot or rendering


def portrait_from_document(
    image_bytes: bytes, *, limits: ImageLimits = ImageLimits(), engine: FaceEngine
) -> FaceSample:
    """The ID portrait: the card is located and straightened, then searched upright, upside down and sideways;
    the surest detection of the four turns wins, and the search stops at a sure one. The first turn with any
    face is not enough: on a card lying upside down YuNet also finds the portrait unturned, at a lower score
    and with landmarks that align it wrongly (a genuine holder scored 0.08 against his selfie, not 0.77)."""
    image = decode_image(image_bytes, limits, max_side=2 * DOCUMENT_LONG_SIDE)
    document, _ = locate_document(image)
    best: tuple[DetectedFace, np.ndarray] | None = None
    for rotation in _ROTATIONS:
        view = document if rotation is None else cv2.rotate(document, rotation)
        for face in engine.detect(view, DOCUMENT_LONG_SIDE)[:1]:
            if best is None or face.score > best[0].score:
                best = (face, view)
        if best is not None and best[0].score >= SURE_PORTRAIT_SCORE:
            break  # an upright card's portrait: the other turns are not searched
    if best is None:
        raise NoPortraitError("no face found on the document photo")
    face, view = best
    if face.inter_ocular < MIN_INTER_OCULAR_PX / 2:
        raise FaceTooSmallError("the portrait on the document is too small to compare")
    return FaceSample(engine.embed(view, face), face, not looks_digital(document))


def selfie(
    image_bytes: bytes, *, limits: ImageLimits = ImageLimits(), engine: FaceEngine, require_camera: bool = True
) -> FaceSample:
    """The one face of a selfie; refuses none, several, too small, and screenshots (``require_camera``)."""
    image = decode_image(image_bytes, limits, max_side=SELFIE_LONG_SIDE)
    faces = engine.detect(image, SELFIE_LONG_SIDE)
    return _single_face(engine, image, faces, require_camera)


def _single_face(engine: FaceEngine, image: np.ndarray, faces: list[DetectedFace], require_camera: bool) -> FaceSample:
    if not faces:
        raise NoFaceError("no face found in the selfie")
    if len(faces) > 1:
        raise MultipleFacesError(f"{len(faces)} faces in the selfie; exactly one person must be in view")
    face = faces[0]
    if face.inter_ocular < MIN_INTER_OCULAR_PX:
        raise FaceTooSmallError("the face is too small or too far from the camera")
    camera = not looks_digital(image)
    if require_camera and not camera:
        raise NotACameraImageError("the selfie looks like a screenshot or rendered picture, not a camera photo")
    return FaceSample(engine.embed(image, face), face, camera)


def verify(
    document_bytes: bytes,
    selfie_bytes: bytes,
    thresholds: MatchThresholds,
    *,
    limits: ImageLimits = ImageLimits(),
    engine: FaceEngine,
) -> dict[str, Any]:
    """Compare the ID portrait with a selfie: {"decision", "similarity", "thresholds", "reasons", "checks"}."""
    portrait = portrait_from_document(document_bytes, limits=limits, engine=engine)
    live = selfie(selfie_bytes, limits=limits, engine=engine)
    return comparison(
        portrait.embedding,
        live.embedding,
        thresholds,
        {"document_camera": portrait.camera, "selfie_camera": live.camera},
    )


def comparison(
    portrait: np.ndarray, live: np.ndarray, thresholds: MatchThresholds, checks: dict[str, Any] | None = None
) -> dict[str, Any]:
    score = cosine(portrait, live)
    return {
        "decision": match_decision(score, thresholds).value,
        "similarity": round(score, 4),
        "thresholds": {"approve": thresholds.approve, "reject": thresholds.reject},
        "reasons": [match_reason(score, thresholds)],
        "checks": dict(checks or {}),
    }


def analyse_frames(
    frames: Sequence[tuple[bytes, float]], *, limits: ImageLimits = ImageLimits(), engine: FaceEngine
) -> tuple[list[FrameObservation], FaceSample | None]:
    """Observations of a liveness sequence and the embedding of its most frontal, sharpest single-face frame."""
    observations: list[FrameObservation] = []
    best: tuple[float, np.ndarray, DetectedFace, bool] | None = None
    for data, t_ms in frames:
        image = decode_image(data, limits, max_side=SELFIE_LONG_SIDE)
        faces = engine.detect(image, SELFIE_LONG_SIDE)
        seen = observe(image, faces, t_ms)
        observations.append(seen)
        if seen.face is not None and seen.face.inter_ocular >= MIN_INTER_OCULAR_PX:
            quality = seen.face.score * seen.face.inter_ocular
            if best is None or quality > best[0]:
                best = (quality, image, seen.face, not seen.digital)
    if best is None:
        return observations, None
    _, image, face, camera = best
    return observations, FaceSample(engine.embed(image, face), face, camera)
