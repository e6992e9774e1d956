"""Decoding untrusted image bytes into a BGR array, in memory, with size limits against decompression bombs."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from services.kyc.domain.errors import ImageTooLargeError, NotAnImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "BMP", "WEBP", "TIFF"})


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 15 * 1024 * 1024
    max_pixels: int = 40_000_000
    min_side: int = 64


def decode_image(data: bytes, limits: ImageLimits = ImageLimits(), max_side: int | None = None) -> np.ndarray:
    """BGR uint8 array of the image, upright per its EXIF orientation.

    The pixel count is checked from the header before any pixel is decoded. With ``max_side``, a JPEG is
    decoded at the smallest of 1/1, 1/2, 1/4, 1/8 scale that keeps both sides at least ``max_side`` (cheap).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise NotAnImageError("expected the image as bytes")
    if len(data) == 0:
        raise NotAnImageError("empty input")
    if len(data) > limits.max_bytes:
        raise ImageTooLargeError(f"{len(data)} bytes exceeds the limit of {limits.max_bytes}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(bytes(data)))
            _check_header(opened, limits)
            if max_side is not None and opened.format == "JPEG":
                opened.draft("RGB", (max_side, max_side))
            opened.load()
            upright = ImageOps.exif_transpose(opened) or opened
            rgb = np.asarray(upright.convert("RGB"))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageTooLargeError(f"decompression bomb refused ({error})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        if isinstance(error, ImageTooLargeError | NotAnImageError):
            raise
        raise NotAnImageError(f"cannot decode the image ({type(error).__name__})") from None
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def _check_header(image: Image.Image, limits: ImageLimits) -> None:
    if image.format not in ACCEPTED_FORMATS:
        raise NotAnImageError(f"format {image.format} is not accepted")
    width, height = image.size
    if width * height > limits.max_pixels:
        raise ImageTooLargeError(f"{width}x{height} pixels exceeds the limit of {limits.max_pixels}")
    if min(width, height) < limits.min_side:
        raise NotAnImageError(f"{width}x{height} is too small to hold a document")
