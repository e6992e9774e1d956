"""The officer's view of a merchant case's document: the document found in the photo, straightened, as
photographed (a portrait licence stays portrait), downscaled and re-encoded as JPEG (no metadata of the
upload survives). Built on request from the encrypted retained image; nothing is written anywhere."""

from __future__ import annotations

import cv2
import numpy as np

from services.kyc.adapters.card_locator import downscale, find_quad
from services.kyc.adapters.image_decode import decode_image

REVIEW_LONG_SIDE = 720
JPEG_QUALITY = 80


def straighten(image: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The quad seen straight on, keeping the orientation it has in the photo."""
    top_left, top_right, bottom_right, bottom_left = corners
    width = max(np.linalg.norm(top_right - top_left), np.linalg.norm(bottom_right - bottom_left))
    height = max(np.linalg.norm(bottom_left - top_left), np.linalg.norm(bottom_right - top_right))
    out_w, out_h = max(round(float(width)), 1), max(round(float(height)), 1)
    target = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(image, matrix, (out_w, out_h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def review_crop(data: bytes, long_side: int = REVIEW_LONG_SIDE) -> bytes:
    """JPEG bytes of the document in ``data`` (the whole photo, downscaled, when no document edge is found)."""
    image = decode_image(data)
    corners = find_quad(image)
    document = image if corners is None else straighten(image, corners)
    ok, encoded = cv2.imencode(".jpg", downscale(document, long_side), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:  # pragma: no cover - OpenCV encodes any 8-bit BGR image
        raise RuntimeError("JPEG encoding failed")
    return bytes(encoded)
