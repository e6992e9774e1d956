"""Value types of the face side of KYC: detected faces, their landmarks and per-frame observations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class DetectedFace:
    """A YuNet detection: box (x, y, w, h), five landmarks and a score.

    Landmarks in YuNet's order: right eye, left eye (of the person, i.e. image-left eye first), nose tip,
    right mouth corner, left mouth corner.
    """

    box: tuple[float, float, float, float]
    landmarks: tuple[Point, Point, Point, Point, Point]
    score: float

    @property
    def area(self) -> float:
        return max(self.box[2], 0.0) * max(self.box[3], 0.0)

    @property
    def inter_ocular(self) -> float:
        (x1, y1), (x2, y2) = self.landmarks[0], self.landmarks[1]
        return float(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5)

    @classmethod
    def from_yunet_row(cls, row: Sequence[float], scale: float = 1.0) -> DetectedFace:
        values = [float(v) for v in row[:15]]
        box = (values[0] * scale, values[1] * scale, values[2] * scale, values[3] * scale)
        points = tuple((values[4 + 2 * i] * scale, values[5 + 2 * i] * scale) for i in range(5))
        return cls(box, points, values[14])  # type: ignore[arg-type]

    def yunet_row(self) -> list[float]:
        """The 15 numbers OpenCV's ``FaceRecognizerSF.alignCrop`` expects."""
        flat = [c for point in self.landmarks for c in point]
        return [*self.box, *flat, self.score]


@dataclass(frozen=True)
class FrameObservation:
    """What the face analysis saw in one frame of a liveness sequence (numbers only, no pixels)."""

    t_ms: float
    faces: int
    face: DetectedFace | None = None
    eye_openness: float | None = None  # larger: more open; compared only within one sequence
    sharpness: float = 0.0
    screen_border: bool = False  # a rectangular frame (phone, tablet, photo edge) surrounds the face
    digital: bool = False  # no sensor noise: a screenshot or rendered picture, not a camera frame
