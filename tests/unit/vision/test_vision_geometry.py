"""Geometry primitives: tables of synthetic values, including rows that must be refused."""

from __future__ import annotations

import numpy as np
import pytest

from services.queue.vision.domain.geometry import Box, EntrySide, FrameSize, Line, Point, Polygon, iou_matrix

FRAME = FrameSize(640, 360)


@pytest.mark.parametrize(
    ("coords", "reason"),
    [
        ((10, 10, 10, 50), "empty or inverted"),
        ((10, 60, 50, 20), "empty or inverted"),
        ((0, 0, float("nan"), 5), "non-finite"),
        ((0, 0, float("inf"), 5), "non-finite"),
    ],
)
def test_box_refuses_nonsense(coords: tuple[float, ...], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Box(*coords)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),
        ((0, 0, 10, 10), (5, 0, 15, 10), 50 / 150),
        ((0, 0, 10, 10), (20, 20, 30, 30), 0.0),
        ((0, 0, 10, 10), (2, 2, 8, 8), 36 / 100),
    ],
)
def test_iou(a: tuple[float, ...], b: tuple[float, ...], expected: float) -> None:
    assert iou_matrix(np.array([a], float), np.array([b], float))[0, 0] == pytest.approx(expected)


def test_iou_of_nothing_is_empty() -> None:
    assert iou_matrix(np.zeros((0, 4)), np.array([[0, 0, 1, 1]], float)).shape == (0, 1)


@pytest.mark.parametrize(
    ("side", "point", "sign"),
    [
        (EntrySide.RIGHT, Point(100, 250), 1),  # line runs left to right: below is its right side
        (EntrySide.RIGHT, Point(100, 150), -1),
        (EntrySide.LEFT, Point(100, 250), -1),
        (EntrySide.LEFT, Point(100, 150), 1),
    ],
)
def test_line_sides(side: EntrySide, point: Point, sign: int) -> None:
    line = Line(Point(0, 200), Point(640, 200), side)
    assert np.sign(line.signed_distance(point)) == sign
    assert abs(line.signed_distance(point)) == pytest.approx(50)


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        (Point(0, 0), Point(1, 0), "shorter than 2 pixels"),
    ],
)
def test_line_refuses_degenerate(start: Point, end: Point, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Line(start, end)


@pytest.mark.parametrize("end", [Point(700, 200), Point(300, -1), Point(300, 361)])
def test_line_outside_frame_is_refused(end: Point) -> None:
    with pytest.raises(ValueError, match="outside the 640x360 frame"):
        Line(Point(0, 200), end).check_inside(FRAME)


@pytest.mark.parametrize(
    ("points", "reason"),
    [
        ([(0, 0), (10, 10)], "at least 3 points"),
        ([(0, 0), (10, 10), (20, 20)], "no area"),
        ([(0, 0), (100, 100), (100, 0), (0, 100)], "self-intersecting"),  # a bow tie
        ([(0, 0), (200, 0), (200, 200), (100, -50), (0, 200)], "self-intersecting"),
    ],
)
def test_polygon_refuses_broken_shapes(points: list[tuple[float, float]], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Polygon.of(points)


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        (Point(50, 50), True),
        (Point(0, 50), True),
        (Point(150, 50), False),
        (Point(75, 90), False),
        (Point(25, 90), True),
    ],
)
def test_polygon_contains(point: Point, inside: bool) -> None:
    # an L shape: concave, so the even-odd rule is exercised
    shape = Polygon.of([(0, 0), (100, 0), (100, 60), (50, 60), (50, 100), (0, 100)])
    assert shape.contains(point) is inside


def test_polygon_outside_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        Polygon.of([(600, 300), (700, 300), (650, 350)]).check_inside(FRAME)


def test_scaling_keeps_shape() -> None:
    line = Line(Point(0, 180), Point(640, 180)).scaled(2, 2)
    assert (line.start, line.end) == (Point(0, 360), Point(1280, 360))
