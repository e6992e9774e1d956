"""What a tracked person looks like, as a colour signature: how the tracker tells two people apart where their
boxes overlap (two people crossing, one stepping out from behind another).

A signature is a normalised colour histogram (hue x saturation x value bins, summing to 1) of the upper body:
the middle of the box across, from below the head to above the hips, where the clothing is and the
background and the floor are least. Signatures live only in memory, per detection and per track (a running
blend of the track's matched detections), and go with the track: no image, crop or signature is stored, sent
or logged. Two signatures are compared by the Bhattacharyya coefficient: 1 for the same colours, 0 for
nothing in common. The histogram itself is computed by ``adapters/appearance.py`` (OpenCV); pure numpy here.
"""

from __future__ import annotations

import numpy as np

from services.queue.vision.domain.geometry import Box, FloatArray

BINS = (8, 4, 4)  # hue, saturation, value
SIGNATURE_SIZE = int(np.prod(BINS))
UPPER_BODY = (0.2, 0.15, 0.8, 0.6)  # x from, y from, x to, y to, as shares of the box
MIN_SIDE = 2  # pixels: a region thinner than this has no signature


def upper_body(box: Box, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The pixel region (x1, y1, x2, y2, end exclusive) of ``box``'s upper body inside a ``width`` x ``height``
    frame, or None when too little of it is in the frame."""
    fx1, fy1, fx2, fy2 = UPPER_BODY
    x1 = max(0, int(box.x1 + fx1 * box.width))
    x2 = min(width, int(box.x1 + fx2 * box.width))
    y1 = max(0, int(box.y1 + fy1 * box.height))
    y2 = min(height, int(box.y1 + fy2 * box.height))
    if x2 - x1 < MIN_SIDE or y2 - y1 < MIN_SIDE:
        return None
    return x1, y1, x2, y2


def normalised(histogram: FloatArray) -> FloatArray | None:
    """A histogram as a signature (bins summing to 1), None when it counts nothing."""
    values = np.asarray(histogram, dtype=np.float64).ravel()
    if values.size != SIGNATURE_SIZE:
        raise ValueError(f"a signature has {SIGNATURE_SIZE} bins, not {values.size}")
    total = float(values.sum())
    return values / total if total > 0 else None


def similarity_matrix(tracks: list[FloatArray | None], detections: list[FloatArray | None]) -> FloatArray:
    """Bhattacharyya coefficients (tracks x detections), 1 where either side has no signature (no evidence
    against the pair)."""
    out = np.ones((len(tracks), len(detections)), dtype=np.float64)
    rows = [i for i, s in enumerate(tracks) if s is not None]
    cols = [j for j, s in enumerate(detections) if s is not None]
    if rows and cols:
        t = np.sqrt(np.stack([tracks[i] for i in rows]))  # type: ignore[misc]
        d = np.sqrt(np.stack([detections[j] for j in cols]))  # type: ignore[misc]
        out[np.ix_(rows, cols)] = np.clip(t @ d.T, 0.0, 1.0)
    return out


def blend(memory: FloatArray | None, seen: FloatArray | None, keep: float) -> FloatArray | None:
    """A track's signature after a match: ``keep`` of what it was and the rest of what was seen now."""
    if seen is None:
        return memory
    if memory is None:
        return seen
    return keep * memory + (1.0 - keep) * seen


def appearance_scores(iou: FloatArray, similarity: FloatArray, weight: float, threshold: float) -> FloatArray:
    """Pairing scores for the IoU passes: pairs overlapping at least ``threshold`` score ``(1 - weight) * IoU +
    weight * similarity`` (0..1), the rest -1: appearance re-orders the pairs overlap allows, it never pairs
    boxes that do not overlap enough."""
    return np.where(iou >= threshold, (1.0 - weight) * iou + weight * similarity, -1.0)
