"""Decoders for the candidate person detectors of ``bench/detector_candidates.py`` (pure numpy, no model).

NanoDet-m (416x416, GFL head): per stride 8/16/32 a class-score map (after sigmoid, COCO's 80 classes, person
first) and a box distribution of ``reg_max + 1`` bins per side (left, top, right, bottom, in strides) around
the cell centre ``(col + 0.5, row + 0.5) * stride``. The box per side is the expectation of the softmax.
MobileNetV3-CenterNet (512x512): the graph already decodes; rows of (x1, y1, x2, y2, score, class) in input
pixels, top 100. Both return person boxes in the input's pixels with their scores; ``to_image`` scales them
to the image the input was resized from.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from services.queue.vision.domain.nms import nms

FloatArray = npt.NDArray[np.float64]
PERSON = 0


def nanodet_person_boxes(
    scores: Sequence[npt.ArrayLike],
    distributions: Sequence[npt.ArrayLike],
    input_size: int = 416,
    strides: Sequence[int] = (8, 16, 32),
    reg_max: int = 10,
    threshold: float = 0.15,
    nms_iou: float = 0.5,
) -> tuple[FloatArray, FloatArray]:
    """Person boxes (N x 4, input pixels) and scores from NanoDet's per-stride outputs: ``scores[i]`` is
    (cells, classes), ``distributions[i]`` (cells, 4 * (reg_max + 1)), cells in row-major order."""
    boxes, kept = [], []
    for level_scores, level_dist, stride in zip(scores, distributions, strides, strict=True):
        side = input_size // stride
        person = np.asarray(level_scores, dtype=np.float64).reshape(side * side, -1)[:, PERSON]
        logits = np.asarray(level_dist, dtype=np.float64).reshape(side * side, 4, reg_max + 1)
        weights = np.exp(logits - logits.max(axis=2, keepdims=True))
        weights /= weights.sum(axis=2, keepdims=True)
        dist = (weights * np.arange(reg_max + 1)).sum(axis=2) * stride
        rows, cols = np.divmod(np.arange(side * side), side)
        cx, cy = (cols + 0.5) * stride, (rows + 0.5) * stride
        level = np.stack([cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]], axis=1)
        keep = person >= threshold
        boxes.append(level[keep])
        kept.append(person[keep])
    return _nms(np.concatenate(boxes), np.concatenate(kept), nms_iou)


def centernet_person_boxes(rows: npt.ArrayLike, threshold: float = 0.15) -> tuple[FloatArray, FloatArray]:
    """Person boxes and scores from CenterNet's decoded rows (x1, y1, x2, y2, score, class)."""
    table = np.asarray(rows, dtype=np.float64).reshape(-1, 6)
    keep = (table[:, 5] == PERSON) & (table[:, 4] >= threshold)
    return table[keep, :4], table[keep, 4]


def to_image(boxes: FloatArray, input_size: int, width: int, height: int) -> FloatArray:
    """Boxes from a square ``input_size`` input back to the ``width`` x ``height`` image it was resized from."""
    scale = np.array([width, height, width, height], dtype=np.float64) / input_size
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4) * scale


def _nms(boxes: FloatArray, scores: FloatArray, iou: float) -> tuple[FloatArray, FloatArray]:
    if not len(boxes):
        return boxes.reshape(0, 4), scores
    order = nms(boxes, scores, iou)
    return boxes[order], scores[order]
