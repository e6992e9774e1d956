"""Crops of a frame around its moving regions, for a square-input detector, and their boxes back in frame pixels.

The motion mask (MOG2) gives bounding boxes of foreground blobs, often only a part of a person (legs, a
head). Each region is padded (``PAD`` of its longer side, at least ``MIN_PAD`` of the frame's height), grown
to a square of at least ``MIN_SIDE`` of the frame's height (the detector squeezes its input to a square, so a
square crop keeps people's proportions), shifted inside the frame and clipped to it. Crops that overlap are
merged into their union, repeatedly, until none overlap. When the crops would cover more than
``FULL_FRAME_SHARE`` of the frame, or be more than ``MAX_CROPS``, the whole frame is one crop (cheaper than
many runs). No regions: no crops, so no detector run. Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from services.queue.vision.domain.geometry import FloatArray

PAD = 1.0  # of the region's longer side, on each side
MIN_PAD = 0.06  # of the frame's height, on each side
MIN_SIDE = 0.5  # of the frame's height: the smallest crop side
MAX_CROPS = 3
FULL_FRAME_SHARE = 0.7

Region = tuple[float, float, float, float]  # x1, y1, x2, y2 in frame pixels


@dataclass(frozen=True, slots=True)
class Crop:
    """Columns ``x0``..``x1`` and rows ``y0``..``y1`` (end exclusive) of the frame."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def area(self) -> int:
        return self.width * self.height

    def overlaps(self, other: Crop) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def union(self, other: Crop) -> Crop:
        return Crop(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))


def _span(lo: float, hi: float, side: float, limit: int) -> tuple[int, int]:
    """An interval of length ``side`` (at most ``limit``) centred on ``lo..hi``, shifted inside ``0..limit``."""
    side = min(max(side, hi - lo), limit)
    start = (lo + hi) / 2 - side / 2
    start = min(max(start, 0.0), limit - side)
    return max(0, int(np.floor(start))), min(limit, int(np.ceil(start + side)))


def padded_crop(region: Region, width: int, height: int) -> Crop | None:
    """One region padded, grown to a square of at least ``MIN_SIDE`` of the height, inside the frame;
    None for an empty region or one wholly outside the frame."""
    x1, y1, x2, y2 = (float(v) for v in region)
    x1, x2 = max(0.0, x1), min(float(width), x2)
    y1, y2 = max(0.0, y1), min(float(height), y2)
    if x2 <= x1 or y2 <= y1:
        return None
    pad = max(PAD * max(x2 - x1, y2 - y1), MIN_PAD * height)
    side = max(x2 - x1 + 2 * pad, y2 - y1 + 2 * pad, MIN_SIDE * height)
    cx0, cx1 = _span(x1 - pad, x2 + pad, side, width)
    cy0, cy1 = _span(y1 - pad, y2 + pad, side, height)
    return Crop(cx0, cy0, cx1, cy1)


def merge_crops(crops: Sequence[Crop]) -> list[Crop]:
    """Overlapping crops replaced by their union until no two overlap; order: top-left first."""
    merged = list(crops)
    changed = True
    while changed:
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                if merged[i].overlaps(merged[j]):
                    merged[i] = merged[i].union(merged.pop(j))
                    changed = True
                    break
            if changed:
                break
    return sorted(merged, key=lambda c: (c.y0, c.x0))


def motion_crops(regions: Sequence[Region], width: int, height: int) -> list[Crop]:
    """The crops to run the detector on for a frame with these moving regions (empty: none)."""
    if width < 1 or height < 1:
        raise ValueError("frame size must be positive")
    padded = [c for c in (padded_crop(r, width, height) for r in regions) if c is not None]
    crops = merge_crops(padded)
    if not crops:
        return []
    if len(crops) > MAX_CROPS or sum(c.area for c in crops) > FULL_FRAME_SHARE * width * height:
        return [Crop(0, 0, width, height)]
    return crops


def to_frame(boxes: FloatArray, crop: Crop) -> FloatArray:
    """Boxes (x1, y1, x2, y2) in a crop's pixels to frame pixels: a shift by the crop's top-left corner."""
    out = np.asarray(boxes, dtype=np.float64).reshape(-1, 4).copy()
    out[:, [0, 2]] += crop.x0
    out[:, [1, 3]] += crop.y0
    return out
