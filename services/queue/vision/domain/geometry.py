"""Points, boxes, counting lines and zone polygons in pixel coordinates (x right, y down). Pure values.

Every constructor refuses nonsense with ``ValueError`` and a reason an operator can act on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.x) and math.isfinite(self.y)):
            raise ValueError(f"point ({self.x}, {self.y}) is not finite")

    def scaled(self, sx: float, sy: float) -> Point:
        return Point(self.x * sx, self.y * sy)


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned box ``[x1, y1, x2, y2]`` with ``x1 < x2`` and ``y1 < y2``."""

    x1: float
    y1: float
    x2: float
    y2: float

    def __post_init__(self) -> None:
        values = (self.x1, self.y1, self.x2, self.y2)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"box {list(values)} has a non-finite coordinate")
        if self.x2 <= self.x1 or self.y2 <= self.y1:
            raise ValueError(f"box {list(values)} is empty or inverted (need x1 < x2 and y1 < y2)")

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    @property
    def center(self) -> Point:
        return Point((self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2)

    @property
    def bottom_center(self) -> Point:
        return Point((self.x1 + self.x2) / 2, self.y2)

    def as_list(self, ndigits: int = 1) -> list[float]:
        return [round(self.x1, ndigits), round(self.y1, ndigits), round(self.x2, ndigits), round(self.y2, ndigits)]


class Anchor(StrEnum):
    """Which point of a person's box decides line sides and zone membership."""

    BOTTOM_CENTER = "bottom_center"  # the feet: right for cameras that look across the hall
    CENTER = "center"  # right for cameras that look straight down

    def of(self, box: Box) -> Point:
        return box.bottom_center if self is Anchor.BOTTOM_CENTER else box.center


def boxes_array(boxes: Sequence[Box]) -> FloatArray:
    """Boxes as an N x 4 array of (x1, y1, x2, y2); 0 x 4 when there are none."""
    return np.array([[b.x1, b.y1, b.x2, b.y2] for b in boxes], dtype=np.float64).reshape(-1, 4)


def iou_matrix(a: FloatArray, b: FloatArray) -> FloatArray:
    """IoU of every box in ``a`` (N x 4) against every box in ``b`` (M x 4)."""
    if a.size == 0 or b.size == 0:
        return np.zeros((len(a), len(b)))
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)


def _on_segment(p: Point, q: Point, r: Point) -> bool:
    return min(p.x, r.x) <= q.x <= max(p.x, r.x) and min(p.y, r.y) <= q.y <= max(p.y, r.y)


def segments_intersect(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    """True when segment p1-p2 and segment q1-q2 share at least one point."""
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and _on_segment(q1, p1, q2))
        or (d2 == 0 and _on_segment(q1, p2, q2))
        or (d3 == 0 and _on_segment(p1, q1, p2))
        or (d4 == 0 and _on_segment(p1, q2, p2))
    )


@dataclass(frozen=True, slots=True)
class FrameSize:
    width: int
    height: int

    def __post_init__(self) -> None:
        if not (16 <= self.width <= 8192 and 16 <= self.height <= 8192):
            raise ValueError(f"frame size {self.width}x{self.height} is outside 16..8192 pixels")

    def contains(self, p: Point) -> bool:
        return 0 <= p.x <= self.width and 0 <= p.y <= self.height


class EntrySide(StrEnum):
    """Side of the directed line start->end (as seen in the image) that is inside the branch."""

    LEFT = "left"
    RIGHT = "right"


@dataclass(frozen=True, slots=True)
class Line:
    """A counting line from ``start`` to ``end``; crossing towards ``entry_side`` counts as entered."""

    start: Point
    end: Point
    entry_side: EntrySide = EntrySide.RIGHT

    def __post_init__(self) -> None:
        if self.length < 2:
            raise ValueError("line is shorter than 2 pixels")

    @property
    def length(self) -> float:
        return math.hypot(self.end.x - self.start.x, self.end.y - self.start.y)

    def signed_distance(self, p: Point) -> float:
        """Pixels from the line; positive on the entry side."""
        d = _cross(self.start, self.end, p) / self.length
        # image y points down, so a positive cross product lies to the right of start->end
        return d if self.entry_side is EntrySide.RIGHT else -d

    def projection(self, p: Point) -> float:
        """Where ``p`` projects on the segment: 0 at start, 1 at end."""
        dx, dy = self.end.x - self.start.x, self.end.y - self.start.y
        return ((p.x - self.start.x) * dx + (p.y - self.start.y) * dy) / (self.length**2)

    def check_inside(self, frame: FrameSize) -> None:
        for p in (self.start, self.end):
            if not frame.contains(p):
                raise ValueError(f"line point ({p.x:g}, {p.y:g}) is outside the {frame.width}x{frame.height} frame")

    def scaled(self, sx: float, sy: float) -> Line:
        return Line(self.start.scaled(sx, sy), self.end.scaled(sx, sy), self.entry_side)


@dataclass(frozen=True, slots=True)
class Polygon:
    """A simple (not self-intersecting) polygon with at least three corners and a non-zero area."""

    points: tuple[Point, ...]

    def __post_init__(self) -> None:
        if len(self.points) < 3:
            raise ValueError(f"polygon needs at least 3 points, got {len(self.points)}")
        if len(self.points) > 64:
            raise ValueError("polygon has more than 64 points")
        edges = self.edges
        n = len(edges)
        for i in range(n):
            for j in range(i + 1, n):
                if j == i + 1 or (i == 0 and j == n - 1):
                    continue  # neighbours share a corner
                if segments_intersect(*edges[i], *edges[j]):
                    raise ValueError(f"polygon is self-intersecting (edge {i} crosses edge {j})")
        if abs(self.area) < 1.0:
            raise ValueError("polygon has no area (its points are collinear or repeated)")

    @classmethod
    def of(cls, points: Sequence[Sequence[float]]) -> Polygon:
        return cls(tuple(Point(float(p[0]), float(p[1])) for p in points))

    @property
    def edges(self) -> list[tuple[Point, Point]]:
        pts = self.points
        return [(pts[i], pts[(i + 1) % len(pts)]) for i in range(len(pts))]

    @property
    def area(self) -> float:
        pts = self.points
        return (
            sum(pts[i].x * pts[(i + 1) % len(pts)].y - pts[(i + 1) % len(pts)].x * pts[i].y for i in range(len(pts)))
            / 2
        )

    def contains(self, p: Point) -> bool:
        """Even-odd rule; points on the border count as inside."""
        inside = False
        for a, b in self.edges:
            if _cross(a, b, p) == 0 and _on_segment(a, p, b):
                return True
            if (a.y > p.y) != (b.y > p.y):
                x_at = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y)
                if p.x < x_at:
                    inside = not inside
        return inside

    def check_inside(self, frame: FrameSize) -> None:
        for p in self.points:
            if not frame.contains(p):
                raise ValueError(f"polygon point ({p.x:g}, {p.y:g}) is outside the {frame.width}x{frame.height} frame")

    def scaled(self, sx: float, sy: float) -> Polygon:
        return Polygon(tuple(p.scaled(sx, sy) for p in self.points))
