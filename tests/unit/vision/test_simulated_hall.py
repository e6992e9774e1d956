"""The simulated hall camera (simulation/cameras.py): people's feet where a hall camera sees them, so the
hourly grid of ``make run`` is a plausible heat map (kiosk, seats, teller windows), sent as occupancy.v1."""

from __future__ import annotations

import datetime as dt
import random

from branchops.contracts import decode, encode, new_event, topics
from services.queue.vision.domain.occupancy import OccupancyGrid
from simulation.cameras import DOOR, GRID_COLS, GRID_ROWS, KIOSK, HallLayout, occupancy_event

T0 = 1_800_000_000.0  # on an hour's boundary


def _cell(grid: OccupancyGrid, point: tuple[float, float]) -> int:
    return grid.cell_of(*point)


def test_an_hour_of_the_simulated_hall_is_hot_at_the_seats_the_kiosk_and_the_windows() -> None:
    rng = random.Random(7)
    hall = HallLayout(windows=6)
    grid = OccupancyGrid(GRID_COLS, GRID_ROWS, max_gap_s=90)
    closed = []
    for minute in range(61):  # a camera minute each, through the hour's end
        feet = hall.feet(rng, waiting=8, at_kiosk=2, entering=1, served_at=[0, 2, 3])
        closed += grid.add(T0 + 60 * minute, feet)
    (hour,) = closed
    assert (hour.cols, hour.rows, hour.peak) == (16, 9, 14) and hour.seconds == 3600
    assert sum(hour.person_s) == 14 * 3600
    cells = sorted(range(len(hour.person_s)), key=lambda c: hour.person_s[c], reverse=True)
    busiest = set(cells[:12])
    assert _cell(grid, hall.window_spot(0)) in busiest and _cell(grid, hall.window_spot(3)) in busiest
    assert _cell(grid, (0.26, 0.5)) in busiest, "the front row of seats"
    near_kiosk = [c for c in range(len(hour.person_s)) if abs(c % 16 - int(KIOSK[0] * 16)) <= 1]
    assert sum(hour.person_s[c] for c in near_kiosk) >= 1.5 * 3600, "two people at the kiosk, give or take"
    assert hour.person_s[_cell(grid, (0.02, 0.02))] == 0, "nobody on the ceiling"
    assert hour.person_s[_cell(grid, DOOR)] > 0

    event = occupancy_event("b1", hour, dt.datetime.fromtimestamp(T0 + 3600, dt.UTC))
    assert event.hour_start == dt.datetime.fromtimestamp(T0, dt.UTC) and event.camera_id == "sim-hall"
    assert (
        decode(topics.OCCUPANCY, encode(new_event(topics.OCCUPANCY, event, source="branchops/simulate/t"))).data
        == event
    )


def test_a_crowd_overflows_the_seats_to_the_wall_and_stays_in_the_frame() -> None:
    rng = random.Random(1)
    feet = HallLayout(windows=4).feet(rng, waiting=40, at_kiosk=5, entering=3, served_at=[0, 1, 2, 3])
    assert len(feet) == 52
    assert all(0 <= x < 1 and 0 <= y < 1 for x, y in feet)
    standing = [p for p in feet[24:40]]
    assert all(x > 0.56 for x, _ in standing), "beyond the 24 seats people stand along the right wall"
