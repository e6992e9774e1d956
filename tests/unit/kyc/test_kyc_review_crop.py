"""The officer's document view (adapters/review_crop.py): straightened as photographed, downscaled, JPEG
without the upload's metadata; the whole photo when no document edge is found; bad bytes refused."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from services.kyc.adapters.review_crop import REVIEW_LONG_SIDE, review_crop
from services.kyc.domain.errors import NotAnImageError


def photo_of_sheet(width: int, height: int, *, exif: bool = False) -> bytes:
    """A pale sheet of ``width`` x ``height`` on a dark, larger background, slightly turned, as a JPEG."""
    canvas = np.full((height * 2, width * 2, 3), 40, np.uint8)
    centre = (width, height)
    box = cv2.boxPoints((centre, (width, height), 4.0)).astype(np.int32)
    cv2.fillConvexPoly(canvas, box, (235, 240, 245))
    cv2.putText(canvas, "TOP", (width - 40, height - height // 3), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (20, 20, 20), 3)
    image = Image.fromarray(cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB))
    out = io.BytesIO()
    if exif:
        meta = Image.Exif()
        meta[0x010F] = "PhoneMaker"  # Make
        meta[0x9003] = "2026:01:02 03:04:05"  # DateTimeOriginal
        image.save(out, "JPEG", exif=meta.tobytes())
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def test_a_landscape_card_is_cut_out_and_downscaled() -> None:
    crop = Image.open(io.BytesIO(review_crop(photo_of_sheet(1200, 760))))
    assert crop.format == "JPEG"
    assert max(crop.size) == REVIEW_LONG_SIDE
    ratio = crop.size[0] / crop.size[1]
    assert 1.45 < ratio < 1.7  # the card's own shape, not the photo's 2:1.32 background


def test_a_portrait_licence_stays_portrait() -> None:
    crop = Image.open(io.BytesIO(review_crop(photo_of_sheet(700, 1000))))
    assert crop.size[1] > crop.size[0]
    assert 0.6 < crop.size[0] / crop.size[1] < 0.8


def test_no_metadata_of_the_upload_survives() -> None:
    data = photo_of_sheet(900, 600, exif=True)
    assert Image.open(io.BytesIO(data)).getexif()
    crop = review_crop(data)
    assert not Image.open(io.BytesIO(crop)).getexif()
    assert b"PhoneMaker" not in crop


def test_without_a_document_edge_the_whole_photo_is_shown_downscaled() -> None:
    flat = Image.new("RGB", (1600, 900), (128, 128, 128))
    out = io.BytesIO()
    flat.save(out, "JPEG")
    crop = Image.open(io.BytesIO(review_crop(out.getvalue())))
    assert crop.size == (REVIEW_LONG_SIDE, round(900 * REVIEW_LONG_SIDE / 1600))


def test_bytes_that_are_no_image_are_refused() -> None:
    with pytest.raises(NotAnImageError):
        review_crop(b"not a picture at all")
