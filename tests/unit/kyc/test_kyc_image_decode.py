"""Untrusted bytes: what is refused, with which reason, before any pixel is decoded."""

import io

import numpy as np
import pytest
from PIL import Image

from services.kyc.adapters.image_decode import ImageLimits, decode_image
from services.kyc.domain.errors import DocumentError, ImageTooLargeError, NotAnImageError


def encoded(width: int, height: int, fmt: str = "PNG", mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), 200).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "limits", "error", "reason"),
    [
        (b"", ImageLimits(), NotAnImageError, "not_an_image"),
        (b"%PDF-1.7 not an image at all", ImageLimits(), NotAnImageError, "not_an_image"),
        (encoded(400, 300)[:60], ImageLimits(), NotAnImageError, "not_an_image"),  # truncated
        (encoded(400, 300), ImageLimits(max_bytes=100), ImageTooLargeError, "image_too_large"),
        (encoded(4000, 4000), ImageLimits(max_pixels=1_000_000), ImageTooLargeError, "image_too_large"),
        (encoded(40, 30), ImageLimits(), NotAnImageError, "not_an_image"),  # too small to hold a card
        (encoded(400, 300, "GIF", "L"), ImageLimits(), NotAnImageError, "not_an_image"),  # format refused
    ],
    ids=["empty", "pdf", "truncated", "too-many-bytes", "too-many-pixels", "too-small", "gif"],
)
def test_refusals(data: bytes, limits: ImageLimits, error: type[DocumentError], reason: str) -> None:
    with pytest.raises(error) as raised:
        decode_image(data, limits)
    assert isinstance(raised.value, ValueError)
    assert str(raised.value).startswith(reason)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_accepted_formats_decode_to_bgr(fmt: str) -> None:
    image = decode_image(encoded(320, 200, fmt))
    assert image.shape == (200, 320, 3)
    assert image.dtype == np.uint8


def test_exif_orientation_is_applied() -> None:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise
    Image.new("RGB", (320, 200), 200).save(buffer, format="JPEG", exif=exif)
    assert decode_image(buffer.getvalue()).shape == (320, 200, 3)
