"""Occupancy grids in records (domain/occupancy.py): folded per camera and local hour, parts of an hour added
cell by cell, a reshaped grid replacing the old one, and the day report's section."""

from __future__ import annotations

import datetime as dt

import pytest

from branchops.contracts.events import Occupancy
from services.records.domain import occupancy
from services.records.domain.fold import State, fold
from services.records.domain.intervals import zone
from services.records.domain.rules import BranchRules

SHANGHAI = BranchRules(zone("Asia/Shanghai"))
HOUR = dt.datetime(2027, 1, 15, 1, tzinfo=dt.UTC)  # 09:00 in Shanghai


def grid(
    cells: list[float], *, start: dt.datetime = HOUR, seconds: float = 3600, peak: int = 2, cols: int = 2
) -> Occupancy:
    return Occupancy(
        branch_id="b1",
        at=start + dt.timedelta(hours=1),
        camera_id="hall",
        hour_start=start,
        hour_end=start + dt.timedelta(hours=1),
        cols=cols,
        rows=len(cells) // cols,
        person_s=cells,
        seconds=seconds,
        peak=peak,
    )


def test_an_hour_in_two_parts_adds_up_and_is_placed_in_the_local_day() -> None:
    first = grid([1, 2, 3, 4], seconds=1200, peak=5)
    second = grid([10, 0, 0, 1], seconds=2600, peak=3).model_copy(update={"at": HOUR + dt.timedelta(minutes=70)})
    later = grid([7, 7, 7, 7], start=HOUR + dt.timedelta(hours=15))  # 00:00 the next local day
    out = fold([later, second, first], State(), lambda _: SHANGHAI)
    rows = out.grid_rows()
    assert [(r.day, r.hour) for r in rows] == [(dt.date(2027, 1, 15), 9), (dt.date(2027, 1, 16), 0)]
    nine = rows[0]
    assert nine.person_s == [11, 2, 3, 5] and nine.seconds == 3600 and nine.peak == 5, "at most an hour seen"
    assert first.person_s == [1, 2, 3, 4], "the event is not changed by the merge"


def test_a_reshaped_grid_replaces_the_hour() -> None:
    out = fold(
        [grid([1, 2, 3, 4]), grid([5] * 6, cols=3).model_copy(update={"at": HOUR + dt.timedelta(hours=2)})],
        State(),
        lambda _: SHANGHAI,
    )
    (row,) = out.grid_rows()
    assert (row.cols, row.rows, row.person_s) == (3, 2, [5] * 6)


def test_the_report_section_per_camera_and_hour() -> None:
    out = fold(
        [grid([0, 3600, 1800, 0]), grid([0, 0, 0, 0], start=HOUR - dt.timedelta(hours=1), seconds=0, peak=0)],
        State(),
        lambda _: SHANGHAI,
    )
    (camera,) = occupancy.section(out.grid_rows())
    assert camera["camera_id"] == "hall" and camera["max_cell_person_s"] == 3600
    assert [h["local"] for h in camera["hours"]] == ["08:00", "09:00"]
    nine = camera["hours"][1]
    assert nine["start"] == "2027-01-15T01:00:00Z" and (nine["cols"], nine["rows"]) == (2, 2)
    assert nine["people_avg"] == pytest.approx(1.5) and camera["hours"][0]["people_avg"] is None
    assert occupancy.section([]) == []


def test_the_hour_so_far_is_not_added_up() -> None:
    live = grid([100, 100, 100, 100], seconds=1800, peak=9).model_copy(update={"in_progress": True})
    out = fold([grid([1, 2, 3, 4]), live], State(), lambda _: SHANGHAI)
    (row,) = out.grid_rows()
    assert row.person_s == [1, 2, 3, 4] and row.peak == 2
    assert fold([live], State(), lambda _: SHANGHAI).grid_rows() == []
