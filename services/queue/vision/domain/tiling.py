"""Side-by-side tiles for a square-input detector on wide frames, and the merge of their boxes. Pure numpy.

A square-input detector (SSDLite at 300x300) squeezes a 16:9 frame to a square, so people get thin and are
missed. Cutting the frame into ``N`` tiles of about square aspect, side by side, each overlapping the next
by ``overlap`` of a tile's width, keeps people's proportions. ``N`` is a camera setting: an integer 1..4
or ``"auto"`` (``round(width / height)``, at least 1, at most ``MAX_TILES``).

Merging (``merge_tiles``), boxes already in frame pixels:

1. A box touching a tile edge that is a seam (an inner edge, not the frame's) is *cut*. A cut box is
   dropped when the neighbouring tile across that seam has a box, not cut at that seam, covering at least
   ``COVER`` of it: the neighbour saw the whole person.
2. Two boxes still cut at the same seam from both sides (a person wider than the overlap, seen in part
   by both tiles) are fused into their union when they overlap horizontally and their vertical extents
   agree (IoU of the y-intervals >= ``COVER``).
3. Class-agnostic NMS at IoU ``NMS_IOU`` over what is left (a person inside the overlap, seen whole by both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from services.queue.vision.domain.geometry import FloatArray
from services.queue.vision.domain.nms import nms

TileSetting = int | Literal["auto"]
MAX_TILES = 4
OVERLAP = 0.15  # of a tile's width
EDGE = 0.015  # a box within this share of the tile's width from a seam is cut by it
COVER = 0.6
NMS_IOU = 0.5


def tile_count(width: int, height: int, tiles: TileSetting) -> int:
    """How many tiles for a ``width`` x ``height`` frame: the setting, or ``round(width / height)`` in 1..4."""
    if tiles == "auto":
        return int(min(MAX_TILES, max(1, round(width / height))))
    if isinstance(tiles, bool) or not isinstance(tiles, int) or not 1 <= tiles <= MAX_TILES:
        raise ValueError(f"tiles must be 1..{MAX_TILES} or 'auto', got {tiles!r}")
    return tiles


@dataclass(frozen=True, slots=True)
class Tile:
    """Columns ``x0`` (inclusive) to ``x1`` (exclusive) of the frame, full height."""

    index: int
    x0: int
    x1: int
    seam_left: bool  # the left edge is a seam with the previous tile (not the frame's edge)
    seam_right: bool

    @property
    def width(self) -> int:
        return self.x1 - self.x0


def tile_spans(width: int, count: int, overlap: float = OVERLAP) -> list[Tile]:
    """``count`` tiles of equal width covering ``0..width``; neighbours share ``overlap`` of a tile's width.

    Tile width ``t = width / (count - (count - 1) * overlap)``, tile ``i`` starts at ``i * t * (1 - overlap)``;
    pixel edges are rounded, the last tile ends exactly at ``width``.
    """
    if count < 1 or width < 1:
        raise ValueError("need at least one tile and a positive width")
    if not 0 <= overlap < 1:
        raise ValueError("overlap must be in [0, 1)")
    if count == 1:
        return [Tile(0, 0, width, False, False)]
    tile = width / (count - (count - 1) * overlap)
    stride = tile * (1 - overlap)
    out = []
    for i in range(count):
        x0 = round(i * stride)
        x1 = width if i == count - 1 else min(width, round(i * stride + tile))
        out.append(Tile(i, x0, x1, i > 0, i < count - 1))
    return out


def to_frame(boxes: FloatArray, tile: Tile) -> FloatArray:
    """Boxes (x1, y1, x2, y2) in a tile's pixels to frame pixels: a shift by the tile's left edge."""
    out = np.asarray(boxes, dtype=np.float64).reshape(-1, 4).copy()
    out[:, [0, 2]] += tile.x0
    return out


def _cover(a: FloatArray, b: FloatArray) -> float:
    """Share of box ``a``'s area inside box ``b``."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    area = (a[2] - a[0]) * (a[3] - a[1])
    return 0.0 if iw <= 0 or ih <= 0 or area <= 0 else float(iw * ih / area)


def _y_iou(a: FloatArray, b: FloatArray) -> float:
    inter = min(a[3], b[3]) - max(a[1], b[1])
    union = max(a[3], b[3]) - min(a[1], b[1])
    return 0.0 if inter <= 0 or union <= 0 else float(inter / union)


def merge_tiles(
    boxes: FloatArray,
    scores: FloatArray,
    tile_of: FloatArray | list[int],
    tiles: list[Tile],
    *,
    edge: float = EDGE,
    cover: float = COVER,
    nms_iou: float = NMS_IOU,
) -> tuple[FloatArray, FloatArray]:
    """One box per person from all tiles' boxes (frame pixels; ``tile_of[k]`` is box ``k``'s tile index).

    Returns the kept boxes and scores, best score first.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    owner = [int(t) for t in tile_of]
    if not len(boxes):
        return boxes, scores
    if len(tiles) == 1:
        kept = nms(boxes, scores, nms_iou)
        return boxes[kept], scores[kept]
    # which seam (index s: between tile s and s + 1) cuts each box, from which side
    cut_right = [False] * len(boxes)  # cut by its tile's right seam
    cut_left = [False] * len(boxes)
    for k, (b, t) in enumerate(zip(boxes, owner, strict=True)):
        tile = tiles[t]
        margin = max(1.0, edge * tile.width)
        cut_left[k] = tile.seam_left and b[0] <= tile.x0 + margin
        cut_right[k] = tile.seam_right and b[2] >= tile.x1 - margin
    alive = [True] * len(boxes)
    # 1. drop a cut box the neighbour across the seam sees whole
    for k in range(len(boxes)):
        for side, neighbour in (("right", owner[k] + 1), ("left", owner[k] - 1)):
            if not (cut_right[k] if side == "right" else cut_left[k]):
                continue
            for j in range(len(boxes)):
                if owner[j] != neighbour:
                    continue
                whole_there = not (cut_left[j] if side == "right" else cut_right[j])
                if whole_there and _cover(boxes[k], boxes[j]) >= cover:
                    alive[k] = False
                    break
            if not alive[k]:
                break
    # 2. fuse the two halves of a person wider than the overlap
    out_boxes = boxes.copy()
    out_scores = scores.copy()
    for k in range(len(boxes)):
        if not (alive[k] and cut_right[k]):
            continue
        best, best_score = -1, 0.0
        for j in range(len(boxes)):
            if not (alive[j] and owner[j] == owner[k] + 1 and cut_left[j]):
                continue
            a, b = out_boxes[k], out_boxes[j]
            if b[0] < a[2] and _y_iou(a, b) >= cover and _y_iou(a, b) > best_score:
                best, best_score = j, _y_iou(a, b)
        if best >= 0:
            a, b = out_boxes[k], out_boxes[best]
            out_boxes[k] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
            out_scores[k] = max(out_scores[k], out_scores[best])
            alive[best] = False
    index = [k for k in range(len(boxes)) if alive[k]]
    out_boxes, out_scores = out_boxes[index], out_scores[index]
    # 3. class-agnostic NMS: a person inside an overlap is seen whole by both tiles
    kept = nms(out_boxes, out_scores, nms_iou)
    return out_boxes[kept], out_scores[kept]
