"""Non-maximum suppression and letterbox arithmetic for YOLO-style detectors. Pure numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.queue.vision.domain.geometry import FloatArray, iou_matrix


def nms(boxes: FloatArray, scores: FloatArray, iou_threshold: float) -> list[int]:
    """Indices of the boxes kept, best score first."""
    if not 0 < iou_threshold < 1:
        raise ValueError("iou_threshold must be inside (0, 1)")
    if boxes.ndim != 2 or (boxes.size and boxes.shape[1] != 4) or len(boxes) != len(scores):
        raise ValueError("boxes must be N x 4 with one score each")
    order: npt.NDArray[np.intp] = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        best = int(order[0])
        keep.append(best)
        if order.size == 1:
            break
        overlap = iou_matrix(boxes[best : best + 1], boxes[order[1:]])[0]
        order = order[1:][overlap <= iou_threshold]
    return keep


@dataclass(frozen=True, slots=True)
class Letterbox:
    """Scale a ``width`` x ``height`` image into a ``size`` x ``size`` square, padding evenly."""

    width: int
    height: int
    size: int

    def __post_init__(self) -> None:
        if min(self.width, self.height, self.size) <= 0:
            raise ValueError("letterbox sizes must be positive")

    @property
    def scale(self) -> float:
        return min(self.size / self.width, self.size / self.height)

    @property
    def resized(self) -> tuple[int, int]:
        return round(self.width * self.scale), round(self.height * self.scale)

    @property
    def pad(self) -> tuple[float, float]:
        rw, rh = self.resized
        return (self.size - rw) / 2, (self.size - rh) / 2

    def to_image(self, boxes: FloatArray) -> FloatArray:
        """Boxes in model input pixels (x1, y1, x2, y2) back to the original image, clipped to it."""
        px, py = self.pad
        out = boxes.astype(np.float64).copy()
        out[:, [0, 2]] = (out[:, [0, 2]] - px) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - py) / self.scale
        out[:, [0, 2]] = out[:, [0, 2]].clip(0, self.width)
        out[:, [1, 3]] = out[:, [1, 3]].clip(0, self.height)
        return out
