"""The officer's view of a merchant case's document: the document found in the photo, straightened, as
photographed (a portrait licence stays portrait), downscaled and re-encoded as JPEG (no metadata of the
upload survives). Built on request from the encrypted retained image; nothing is written anywhere."""

from __future__ import annotations

import cv2

from services.kyc.adapters.card_locator import downscale, find_quad, warp_quad
from services.kyc.adapters.image_decode import decode_image

REVIEW_LONG_SIDE = 720
JPEG_QUALITY = 80


def review_crop(data: bytes, long_side: int = REVIEW_LONG_SIDE) -> bytes:
    """JPEG bytes of the document in ``data`` (the whole photo, downscaled, when no document edge is found)."""
    image = decode_image(data)
    corners = find_quad(image)
    document = downscale(image, long_side) if corners is None else warp_quad(image, corners, long_side, landscape=False)
    ok, encoded = cv2.imencode(".jpg", document, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:  # pragma: no cover - OpenCV encodes any 8-bit BGR image
        raise RuntimeError("JPEG encoding failed")
    return bytes(encoded)
