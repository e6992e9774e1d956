"""Pixel measurements around a detected face: eye openness, sharpness, a surrounding screen or photo
border, and whether the picture came from a camera at all. Numbers out, pixels never kept."""

from __future__ import annotations

import cv2
import numpy as np

from services.kyc.adapters.card_locator import find_quad
from services.kyc.domain.face_types import DetectedFace, FrameObservation

FLAT_BLOCK = 8
DIGITAL_FLAT_SHARE = 0.25  # share of exactly uniform, unsaturated 8x8 blocks above which no sensor made it


def _patch(gray: np.ndarray, centre: tuple[float, float], half_w: int, half_h: int) -> np.ndarray:
    x, y = round(centre[0]), round(centre[1])
    height, width = gray.shape
    return gray[max(0, y - half_h) : min(height, y + half_h), max(0, x - half_w) : min(width, x + half_w)]


def eye_openness(gray: np.ndarray, face: DetectedFace) -> float | None:
    """Contrast inside both eye patches relative to the face's own contrast; drops when the lids close.

    An open eye shows dark iris and pupil against sclera and lids; a closed one is mostly skin. The value
    is only compared within one sequence of the same face.
    """
    distance = face.inter_ocular
    if distance < 12:
        return None
    half_w, half_h = max(3, round(distance * 0.22)), max(2, round(distance * 0.12))
    values = []
    for centre in face.landmarks[:2]:
        patch = _patch(gray, centre, half_w, half_h)
        if patch.size < 12:
            return None
        values.append(float(np.percentile(patch, 90) - np.percentile(patch, 5)))
    x, y, w, h = (round(v) for v in face.box)
    region = gray[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)]
    spread = float(np.percentile(region, 95) - np.percentile(region, 5)) if region.size else 0.0
    return sum(values) / len(values) / spread if spread > 1 else None


def sharpness(gray: np.ndarray, face: DetectedFace) -> float:
    x, y, w, h = (round(v) for v in face.box)
    region = gray[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)]
    return float(cv2.Laplacian(region, cv2.CV_64F).var()) if region.size else 0.0


def looks_digital(image: np.ndarray) -> bool:
    """True for screenshots and rendered pictures: many exactly uniform blocks that no camera noise touched.

    Saturated blocks (pure black or white, e.g. glare) do not count. A heuristic: a camera picture that was
    heavily denoised and compressed can look digital too.
    """
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    height, width = (gray.shape[0] // FLAT_BLOCK) * FLAT_BLOCK, (gray.shape[1] // FLAT_BLOCK) * FLAT_BLOCK
    if height == 0 or width == 0:
        return False
    blocks = gray[:height, :width].reshape(height // FLAT_BLOCK, FLAT_BLOCK, width // FLAT_BLOCK, FLAT_BLOCK)
    spread = blocks.max(axis=(1, 3)).astype(np.int16) - blocks.min(axis=(1, 3)).astype(np.int16)
    level = blocks.mean(axis=(1, 3))
    flat = (spread == 0) & (level > 3) & (level < 252)
    return float(flat.mean()) > DIGITAL_FLAT_SHARE


def screen_border(image: np.ndarray, face: DetectedFace) -> bool:
    """A four-sided frame (phone, tablet, monitor or photo edge) that encloses the face and is not the picture
    border itself: the sign of a picture held up to the camera."""
    corners = find_quad(image)
    if corners is None:
        return False
    height, width = image.shape[:2]
    margin = 0.02 * max(height, width)
    xs, ys = corners[:, 0], corners[:, 1]
    touches_edge = xs.min() < margin and ys.min() < margin and xs.max() > width - margin and ys.max() > height - margin
    if touches_edge:
        return False
    x, y, w, h = face.box
    centre = (float(x + w / 2), float(y + h / 2))
    return cv2.pointPolygonTest(corners.reshape(-1, 1, 2).astype(np.float32), centre, False) > 0


def observe(image: np.ndarray, faces: list[DetectedFace], t_ms: float) -> FrameObservation:
    """The numbers liveness needs from one frame."""
    if len(faces) != 1:
        return FrameObservation(t_ms=t_ms, faces=len(faces))
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    face = faces[0]
    return FrameObservation(
        t_ms=t_ms,
        faces=1,
        face=face,
        eye_openness=eye_openness(gray, face),
        sharpness=sharpness(gray, face),
        screen_border=screen_border(image, face),
        digital=looks_digital(image),
    )
