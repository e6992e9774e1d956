"""Look again, closer, where the detector lost someone it had: track-guided zoom (issue 20).

A person the tracker follows but the detector missed in this frame (half hidden, small, blurred) is
often found when the detector sees a small square window around the track's predicted box at its full
input size: the person then fills half of the window's height instead of a sliver of the frame. Values in,
values out: ``zoom_windows`` picks the windows (the confirmed tracks no detection of the frame covers,
most recently seen first, at most ``max_windows``), ``recovered`` picks the box found in a window that is
the track's (the best overlap with its prediction). The adapter (adapters/zoom_detector.py) crops and runs
the detector; the recovered boxes join the frame's detections before the tracker sees them, so a
confident one extends the track in the first pass and a weak one in the second, as any detection would.
A zoomed box never starts a track of its own: it is kept only where a track is predicted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.queue.vision.domain.geometry import Box, boxes_array, iou_matrix
from services.queue.vision.domain.tracker import Detection, PredictedTrack


@dataclass(frozen=True)
class ZoomParams:
    max_windows: int = 0  # windows per analysed frame (one detector run each); 0 switches zoom off
    side: float = 3.0  # window side in predicted box heights (2 and 4 tried: 3 and 4 best, bench/counting.py)
    min_side: int = 48  # pixels: a far person's window is not smaller than this
    covered_iou: float = 0.3  # a prediction a detection overlaps this much is not looked for again
    match_iou: float = 0.3  # a box found in the window is the track's when it overlaps the prediction this much
    max_lost: int = 1  # only tracks missed for at most this many analysed frames before this one
    min_inside: float = 0.5  # share of the predicted box inside the frame (the rest has walked out)

    def __post_init__(self) -> None:
        if self.max_windows < 0 or self.max_lost < 0 or self.min_side < 8:
            raise ValueError("need max_windows >= 0, max_lost >= 0 and min_side >= 8")
        if self.side < 1 or not (0 < self.covered_iou < 1 and 0 < self.match_iou < 1 and 0 < self.min_inside <= 1):
            raise ValueError("need side >= 1 and IoU thresholds and min_inside inside (0, 1)")


@dataclass(frozen=True, slots=True)
class Window:
    """A square crop of the frame (pixel bounds, end exclusive) and the predicted box it looks for."""

    x0: int
    y0: int
    x1: int
    y1: int
    target: Box


def _inside_share(box: Box, width: int, height: int) -> float:
    w = max(0.0, min(box.x2, width) - max(box.x1, 0.0))
    h = max(0.0, min(box.y2, height) - max(box.y1, 0.0))
    return w * h / (box.width * box.height)  # a Box is never empty


def window_around(box: Box, width: int, height: int, params: ZoomParams) -> Window | None:
    """The square of ``side`` box heights centred on the box, moved (not cut) to lie inside the frame where it
    fits; cut to the frame where the frame is smaller. None for an empty window."""
    side = max(params.side * box.height, float(params.min_side))
    side_x, side_y = min(side, float(width)), min(side, float(height))
    cx, cy = box.center.x, box.center.y
    x0 = min(max(cx - side_x / 2, 0.0), width - side_x)
    y0 = min(max(cy - side_y / 2, 0.0), height - side_y)
    ix0, iy0 = round(x0), round(y0)
    ix1, iy1 = min(width, round(x0 + side_x)), min(height, round(y0 + side_y))
    if ix1 - ix0 < 2 or iy1 - iy0 < 2:
        return None
    return Window(ix0, iy0, ix1, iy1, box)


def zoom_windows(
    predicted: Sequence[PredictedTrack], detections: Sequence[Detection], width: int, height: int, params: ZoomParams
) -> list[Window]:
    """Windows for the confirmed tracks that no detection of this frame covers, missed for at most
    ``max_lost`` frames and mostly inside the frame; most recently seen first, then the larger (nearer) first,
    at most ``max_windows``."""
    if params.max_windows == 0 or not predicted:
        return []
    wanted = [
        p for p in predicted if p.lost <= params.max_lost and _inside_share(p.box, width, height) >= params.min_inside
    ]
    if detections and wanted:
        iou = iou_matrix(boxes_array([p.box for p in wanted]), boxes_array([d.box for d in detections]))
        wanted = [p for p, row in zip(wanted, iou, strict=True) if float(row.max()) < params.covered_iou]
    wanted.sort(key=lambda p: (p.lost, -p.box.height, p.track_id))
    windows = [window_around(p.box, width, height, params) for p in wanted[: params.max_windows]]
    return [w for w in windows if w is not None]


def to_frame(window: Window, found: Sequence[Detection]) -> list[Detection]:
    """Detections in the window's pixels moved to the frame's."""
    return [
        Detection(Box(d.box.x1 + window.x0, d.box.y1 + window.y0, d.box.x2 + window.x0, d.box.y2 + window.y0), d.score)
        for d in found
    ]


def recovered(window: Window, found: Sequence[Detection], match_iou: float) -> Detection | None:
    """Of the boxes found in the window (frame pixels), the one overlapping the predicted box most, if it
    overlaps at least ``match_iou``; ties to the higher score."""
    if not found:
        return None
    iou = iou_matrix(boxes_array([window.target]), boxes_array([d.box for d in found]))[0]
    best = max(range(len(found)), key=lambda i: (float(iou[i]), found[i].score))
    return found[best] if float(iou[best]) >= match_iou else None
