"""What an OCR engine hands the domain: text lines with a confidence and a box."""

from __future__ import annotations

from dataclasses import dataclass

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # left, top, right, bottom of an axis-aligned region


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    box: tuple[Point, Point, Point, Point]

    @property
    def left(self) -> float:
        return min(point[0] for point in self.box)

    @property
    def right(self) -> float:
        return max(point[0] for point in self.box)

    @property
    def top(self) -> float:
        return min(point[1] for point in self.box)

    @property
    def bottom(self) -> float:
        return max(point[1] for point in self.box)

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)

    @property
    def center_y(self) -> float:
        return (self.top + self.bottom) / 2


def line_at(
    text: str, left: float, top: float, width: float = 100.0, height: float = 20.0, score: float = 0.99
) -> OcrLine:
    """A line with an axis-aligned box, for tests and for synthetic input."""
    right, bottom = left + width, top + height
    return OcrLine(text, score, ((left, top), (right, top), (right, bottom), (left, bottom)))


def rotated_180(lines: list[OcrLine], width: float, height: float) -> list[OcrLine]:
    """The same lines with their boxes in the frame of the image turned upside down."""
    return [
        OcrLine(line.text, line.score, tuple((width - x, height - y) for x, y in line.box))  # type: ignore[arg-type]
        for line in lines
    ]
