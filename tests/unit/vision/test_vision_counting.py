"""Line counting with direction and debounce, on synthetic tracks."""

from __future__ import annotations

import pytest

from services.queue.vision.domain.counting import LineCounter
from services.queue.vision.domain.geometry import Box, EntrySide, Line, Point
from services.queue.vision.domain.tracker import TrackedPerson

LINE = Line(Point(100, 200), Point(500, 200), EntrySide.RIGHT)  # below the line is inside


def person(track_id: int, x: float, feet_y: float) -> TrackedPerson:
    return TrackedPerson(track_id, Box(x - 15, feet_y - 80, x + 15, feet_y), 0.9)


def run(counter: LineCounter, feet: list[float], x: float = 300, track_id: int = 1) -> tuple[int, int]:
    for y in feet:
        counter.trigger([person(track_id, x, y)])
    return counter.entered, counter.exited


@pytest.mark.parametrize(
    ("feet", "expected"),
    [
        ([150, 170, 190, 210, 230, 250], (1, 0)),  # walks in
        ([250, 230, 210, 190, 170, 150], (0, 1)),  # walks out
        ([150, 250, 250, 150, 150], (1, 1)),  # in, then back out
        ([150, 198, 203, 197, 204, 196, 205, 150], (0, 0)),  # jitter inside the dead band
        ([150, 211, 150, 211, 150, 211, 150], (0, 0)),  # one-frame spikes past the band never settle
        ([150, 196, 204, 196, 204, 230, 240, 250], (1, 0)),  # jitter, then a real entry: counted once
        ([250, 260, 270], (0, 0)),  # first seen inside: no crossing
    ],
)
def test_crossings_are_debounced(feet: list[float], expected: tuple[int, int]) -> None:
    assert run(LineCounter(LINE, min_frames=2), feet) == expected


def test_naive_counter_double_counts_the_jitter_that_debounce_removes() -> None:
    feet = [150, 211, 189, 211, 189, 211]
    assert run(LineCounter(LINE, margin=0, margin_ratio=0, min_frames=1), feet) == (3, 2)
    assert run(LineCounter(LINE), feet) == (0, 0)


def test_walking_around_the_end_of_the_line_does_not_count() -> None:
    assert run(LineCounter(LINE), [150, 170, 230, 250], x=580) == (0, 0)


def test_staff_are_followed_but_not_counted() -> None:
    counter = LineCounter(LINE)
    for y in (150, 230, 250, 260):
        assert counter.trigger([person(7, 300, y)], skip={7}) == []
    assert (counter.entered, counter.exited) == (0, 0)


def test_forget_drops_state_of_gone_tracks() -> None:
    counter = LineCounter(LINE)
    run(counter, [150], track_id=3)
    counter.forget(set())
    assert run(counter, [250, 260], track_id=3) == (0, 0)  # seen anew inside: no crossing


@pytest.mark.parametrize("kwargs", [{"margin": -1}, {"min_frames": 0}, {"margin_ratio": 1.5}])
def test_counter_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        LineCounter(LINE, **kwargs)  # type: ignore[arg-type]
