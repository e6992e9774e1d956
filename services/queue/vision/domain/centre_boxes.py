"""People from a CenterNet-style centre heat map: local maxima, each with its box size and centre offset.

MoveNet MultiPose (``adapters/movenet.py``) has such heads besides its keypoint ones: a centre heat map
(logits, G x G cells over the input), per cell the box height and width in cells and the sub-cell offset of
the centre. Its own post-processing keeps the 6 best people and rescores them with their keypoints; here
every peak at or above the threshold becomes a person (up to ``max_people``), scored by the heat map alone.
Pure numpy.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from services.queue.vision.domain.geometry import FloatArray

IntArray = npt.NDArray[np.intp]


def centre_peaks(heat: FloatArray, max_people: int, threshold: float) -> tuple[IntArray, IntArray]:
    """Rows and columns of the strongest local maxima (3x3 neighbourhood) of ``heat`` at or above
    ``threshold``, best first, at most ``max_people``."""
    grid = np.asarray(heat, dtype=np.float64)
    if grid.ndim != 2:
        raise ValueError("the heat map must be 2-D")
    padded = np.pad(grid, 1, constant_values=-np.inf)
    rows, cols = grid.shape
    neighbours = np.stack([padded[dy : dy + rows, dx : dx + cols] for dy in range(3) for dx in range(3)])
    ys, xs = np.nonzero((grid >= neighbours.max(axis=0)) & (grid >= threshold))
    order = np.argsort(-grid[ys, xs], kind="stable")[:max_people]
    return ys[order], xs[order]


def centre_boxes(
    centre_logits: FloatArray,
    box_size: FloatArray,
    box_offset: FloatArray,
    max_people: int = 20,
    threshold: float = 0.05,
) -> tuple[FloatArray, FloatArray]:
    """Boxes (x1, y1, x2, y2 as shares of the input's width and height) and scores (sigmoid of the centre
    logit) of the people found: ``centre_logits`` is G x G, ``box_size`` G x G x (height, width) in cells,
    ``box_offset`` G x G x (dy, dx) in cells."""
    logits = np.asarray(centre_logits, dtype=np.float64)
    heat = 1.0 / (1.0 + np.exp(-logits))
    ys, xs = centre_peaks(heat, max_people, threshold)
    size = np.asarray(box_size, dtype=np.float64)[ys, xs]
    shift = np.asarray(box_offset, dtype=np.float64)[ys, xs]
    grid_h, grid_w = heat.shape
    cy, cx = (ys + shift[:, 0]) / grid_h, (xs + shift[:, 1]) / grid_w
    half_h, half_w = size[:, 0] / 2 / grid_h, size[:, 1] / 2 / grid_w
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1).reshape(-1, 4)
    scores: FloatArray = heat[ys, xs]
    return boxes, scores
