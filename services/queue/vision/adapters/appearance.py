"""Colour signatures of detected people, taken from the frame in memory (``domain/appearance.py`` says what a
signature is and how the tracker uses it). Nothing is kept: the histogram is computed and the pixels are let go.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from services.queue.vision.adapters.detectors import Image
from services.queue.vision.domain.appearance import BINS, normalised, upper_body
from services.queue.vision.domain.geometry import Box, FloatArray
from services.queue.vision.domain.tracker import Detection

HSV_RANGES = [0, 180, 0, 256, 0, 256]  # OpenCV's 8-bit hue runs 0..179


def colour_signature(image: Image, box: Box) -> FloatArray | None:
    """The upper body's hue-saturation-value histogram of the person in ``box``, None when it is off the frame."""
    if image.ndim != 3 or image.shape[2] != 3:
        return None  # not a colour frame: no colours to go by
    height, width = image.shape[:2]
    region = upper_body(box, width, height)
    if region is None:
        return None
    x1, y1, x2, y2 = region
    hsv = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2HSV)
    histogram = cv2.calcHist([hsv], [0, 1, 2], None, list(BINS), HSV_RANGES)
    return normalised(np.asarray(histogram, dtype=np.float64))


def with_appearance(image: Image, detections: list[Detection]) -> list[Detection]:
    """The detections with their colour signatures from ``image`` (those that already have one keep it)."""
    return [
        d if d.appearance is not None else replace(d, appearance=colour_signature(image, d.box)) for d in detections
    ]
