"""The hourly occupancy grid (domain/occupancy.py): person-seconds per cell, hours closed at their end, only
aggregates in the event."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from branchops.contracts import decode, encode, new_event, topics
from branchops.contracts.events import Occupancy
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.domain.geometry import Box
from services.queue.vision.domain.messages import OccupancyHour, to_event
from services.queue.vision.domain.occupancy import HourGrid, OccupancyGrid, foot_points
from services.queue.vision.domain.pipeline import CountingPipeline, FrameResult, Geometry
from services.queue.vision.domain.tracker import Detection, TrackedPerson
from services.queue.vision.usecases.analysis import FrameAnalyzer

HOUR = 3600.0
T0 = 1_800_000_000.0  # an epoch second on an hour's boundary (2027-01-15 08:00 UTC)


def frames(
    grid: OccupancyGrid, start: float, end: float, step: float, feet: list[tuple[float, float]]
) -> list[HourGrid]:
    closed: list[HourGrid] = []
    n = round((end - start) / step)
    for i in range(n + 1):
        closed += grid.add(start + i * step, feet)
    return closed


def test_each_foot_point_adds_the_time_until_the_next_frame_to_its_cell() -> None:
    grid = OccupancyGrid(4, 2)
    # two people in the top-left cell, one in the bottom-right, for 10 s at 5 frames a second
    assert frames(grid, T0 + 60, T0 + 70, 0.2, [(0.1, 0.2), (0.2, 0.4), (0.99, 0.99)]) == []
    closed = grid.flush(T0 + 70)
    assert closed is not None
    assert (closed.hour_start, closed.hour_end, closed.cols, closed.rows) == (T0, T0 + HOUR, 4, 2)
    assert closed.person_s[0] == pytest.approx(20.0) and closed.person_s[7] == pytest.approx(10.0)
    assert sum(closed.person_s) == pytest.approx(30.0)  # 3 people x 10 s: nothing elsewhere
    assert closed.seconds == pytest.approx(10.0) and closed.peak == 3


def test_an_hour_is_closed_at_its_end_and_a_frame_across_it_is_split() -> None:
    grid = OccupancyGrid(2, 1)
    before = frames(grid, T0 + HOUR - 10, T0 + HOUR - 1, 1.0, [(0.2, 0.5)])
    assert before == []
    closed = grid.add(T0 + HOUR + 1, [(0.8, 0.5), (0.7, 0.5)])  # 2 s since the last frame: 1 s in each hour
    assert len(closed) == 1
    first = closed[0]
    assert (first.hour_start, first.hour_end) == (T0, T0 + HOUR)
    assert first.person_s == (pytest.approx(10.0), 0.0) and first.seconds == pytest.approx(10.0)
    assert first.peak == 1
    frames(grid, T0 + HOUR + 2, T0 + HOUR + 5, 1.0, [(0.8, 0.5), (0.7, 0.5)])
    second = grid.flush(T0 + HOUR + 5)
    assert second is not None and second.hour_start == T0 + HOUR
    # the second of the old frame's person after the hour, then two people for 4 s in the right cell
    assert second.person_s == (pytest.approx(1.0), pytest.approx(8.0)) and second.peak == 2
    assert second.seconds == pytest.approx(5.0)
    assert grid.flush(T0 + HOUR + 6) is None, "nothing more was seen"


def test_a_stall_counts_at_most_the_gap_and_a_pause_counts_nothing() -> None:
    grid = OccupancyGrid(1, 1, max_gap_s=2.0)
    grid.add(T0 + 10, [(0.5, 0.5)])
    grid.add(T0 + 110, [(0.5, 0.5)])  # 100 s without a frame: the person is credited 2 s, not 100
    grid.pause()  # the stream ended
    grid.add(T0 + 500, [(0.5, 0.5)])
    grid.add(T0 + 501, [])
    closed = grid.flush(T0 + 600)  # the last (empty) frame stands for 2 s more
    assert closed is not None and closed.person_s == (pytest.approx(3.0),) and closed.seconds == pytest.approx(5.0)


def test_hours_without_frames_are_skipped_and_late_frames_ignored() -> None:
    grid = OccupancyGrid(1, 1)
    grid.add(T0 + HOUR - 1, [(0.5, 0.5)])
    closed = grid.add(T0 + 3 * HOUR + 10, [])  # then nothing for two hours: the last frame stands for 2 s
    assert [(g.hour_start, g.seconds, g.person_s) for g in closed] == [
        (T0, pytest.approx(1.0), (pytest.approx(1.0),)),
        (T0 + HOUR, pytest.approx(1.0), (pytest.approx(1.0),)),
    ], "the hour 2 h after T0 saw nothing and is not sent"
    assert grid.add(T0 + 3 * HOUR + 5, [(0.5, 0.5)] * 9) == []  # older than the last frame: ignored
    last = grid.flush(T0 + 3 * HOUR + 20)
    assert last is not None and last.hour_start == T0 + 3 * HOUR and last.peak == 0 and last.person_s == (0.0,)


def test_grid_bounds_and_foot_points() -> None:
    with pytest.raises(ValueError, match="cells"):
        OccupancyGrid(0, 9)
    with pytest.raises(ValueError, match="cells"):
        OccupancyGrid(100, 100)
    grid = OccupancyGrid(16, 9)
    assert grid.cell_of(-0.5, 2.0) == 8 * 16 and grid.cell_of(1.0, 0.0) == 15  # clamped to the frame
    assert foot_points([(100, 50, 140, 350)], 640, 360) == [(120 / 640, 350 / 360)]


def _analyzer(staff: set[int]) -> FrameAnalyzer:
    """An analyzer that has seen a 640 x 360 frame, with ``staff`` among its tracks (no detector needed)."""
    analyzer = FrameAnalyzer(CameraConfig(), NoDetector())
    analyzer.size = (640, 360)
    analyzer.pipeline = CountingPipeline(Geometry())
    analyzer.pipeline.zones.staff_ids.update(staff)
    return analyzer


class NoDetector:
    def detect(self, image: object) -> list[Detection]:
        raise AssertionError("not called")


def _person(track_id: int, x: float, y: float) -> TrackedPerson:
    return TrackedPerson(track_id, Box(x - 20, y - 100, x + 20, y), 0.9)


def test_the_event_carries_the_grid_and_nothing_of_any_person() -> None:
    """Two different crowds (other ids, other boxes, other order) with the same people per cell give the same
    event: it cannot tell who stood where, only how long the cells were occupied."""

    def event(people: list[TrackedPerson]) -> Occupancy:
        analyzer = _analyzer(set())
        grid = OccupancyGrid(16, 9)
        for i in range(11):
            result = FrameResult(people, [], 0, 0, {}, 0)
            grid.add(T0 + 120 + i, analyzer.customer_feet(result))
        closed = grid.flush(T0 + 130)
        assert closed is not None
        message = OccupancyHour("b1", "cam-1", *dataclasses.astuple(closed))
        _, data = to_event(message, dt.datetime.fromtimestamp(T0 + 130, dt.UTC))
        assert isinstance(data, Occupancy)
        return data

    a = event([_person(1, 100, 300), _person(2, 110, 310), _person(3, 500, 100)])
    b = event([_person(77, 505, 95), _person(12, 90, 305), _person(40, 105, 315)])
    assert a == b and a.peak == 3 and sum(a.person_s) == pytest.approx(30.0)
    assert decode(topics.OCCUPANCY, encode(new_event(topics.OCCUPANCY, a, source="branchops/queue/t"))).data == a
    assert set(Occupancy.model_fields) == {
        "branch_id",
        "at",
        "camera_id",
        "hour_start",
        "hour_end",
        "cols",
        "rows",
        "person_s",
        "seconds",
        "peak",
        "in_progress",
    }, "an occupancy event has counts only: no box, point or track id"
    assert set(OccupancyHour.__dataclass_fields__) == {
        "branch_id",
        "camera_id",
        "in_progress",
        *HourGrid.__dataclass_fields__,
    }
    assert all(isinstance(v, float) for v in a.person_s)


def test_staff_are_left_out_of_the_grid() -> None:
    analyzer = _analyzer({2})
    feet = analyzer.customer_feet(FrameResult([_person(1, 100, 300), _person(2, 500, 300)], [], 0, 0, {}, 0))
    assert feet == [(100 / 640, 300 / 360)]


def test_the_hour_so_far_is_shown_without_closing_it() -> None:
    grid = OccupancyGrid(2, 1, max_gap_s=2.0)
    assert grid.so_far(T0) is None, "nothing seen yet"
    frames(grid, T0 + 10, T0 + 20, 1.0, [(0.1, 0.5)])
    live = grid.so_far(T0 + 21)  # the last frame's person counts up to now (within the gap)
    assert live is not None and live.hour_start == T0
    assert live.person_s == (pytest.approx(11.0), 0.0) and live.seconds == pytest.approx(11.0) and live.peak == 1
    assert grid.so_far(T0 + 300) == grid.so_far(T0 + 400), "a stalled stream adds only the gap"
    closed = grid.flush(T0 + 21)
    assert closed is not None and closed.person_s == live.person_s, "so_far changed nothing"
    assert grid.so_far(T0 + HOUR + 1) is None
    message = OccupancyHour("b1", "cam-1", *dataclasses.astuple(live), in_progress=True)
    _, data = to_event(message, dt.datetime.fromtimestamp(T0 + 21, dt.UTC))
    assert isinstance(data, Occupancy) and data.in_progress
