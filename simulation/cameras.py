"""Synthetic cameras of ``branchops simulate``: footfall.v1 and the hourly occupancy.v1 grids staged in the
queue service's Redis outbox, the way its camera pipeline stages real counts (its relay publishes them to Kafka).

:class:`HallLayout` places the simulated people where a hall camera would see their feet (fractions of the
frame, the camera over the entrance looking at the counters): customers about to take a ticket at the kiosk
(left), waiting customers on the rows of seats (middle), customers being served at the teller windows (along
the back wall, right) and people coming in at the door (bottom). The camera worker's own grid
(``services.queue.vision.domain.occupancy``) adds them up per hour, as for a real camera."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from branchops.bus.outbox import Outbox
from branchops.contracts import topics
from branchops.contracts.events import CameraStatus, Footfall, Occupancy
from branchops.state.client import create_redis
from services.queue.vision.domain.occupancy import HourGrid

SERVICE = "queue"
CAMERA = "sim-hall"


def footfall(
    branch_id: str, start: dt.datetime, end: dt.datetime, *, entered: int, exited: int, people: int
) -> Footfall:
    return Footfall(
        branch_id=branch_id,
        at=end,
        camera_id=CAMERA,
        window_start=start,
        window_end=end,
        entered=entered,
        exited=exited,
        occupancy={"hall": people},
    )


GRID_COLS, GRID_ROWS = 16, 9
KIOSK = (0.12, 0.66)
DOOR = (0.42, 0.93)
SEATS_PER_ROW, SEAT_ROWS = 6, 4
WINDOW_ROW_Y = 0.3
"""Where the simulated hall's places are in the camera's frame (x, y as fractions; feet, so the floor)."""


@dataclass(frozen=True)
class HallLayout:
    """Foot points of the people in the simulated hall (see the module's description)."""

    windows: int = 6

    def window_spot(self, n: int) -> tuple[float, float]:
        """The customer's place at window ``n`` (0-based), left to right along the back wall."""
        return 0.55 + 0.4 * (n % self.windows) / max(self.windows - 1, 1), WINDOW_ROW_Y

    def feet(
        self, rng: random.Random, *, waiting: int, at_kiosk: int, entering: int, served_at: Sequence[int]
    ) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []

        def near(x: float, y: float, spread: float) -> tuple[float, float]:
            return min(max(x + rng.gauss(0, spread), 0.0), 0.999), min(max(y + rng.gauss(0, spread), 0.0), 0.999)

        for k in range(waiting):  # the seats fill from the front row; the rest stand along the right wall
            if k < SEATS_PER_ROW * SEAT_ROWS:
                row, seat = divmod(k, SEATS_PER_ROW)
                points.append(near(0.26 + 0.055 * seat, 0.5 + 0.075 * row, 0.01))
            else:  # a standing crowd three deep along the wall, front to back
                standing = k - SEATS_PER_ROW * SEAT_ROWS
                points.append(near(0.64 + 0.05 * (standing % 3), 0.45 + 0.035 * ((standing // 3) % 12), 0.02))
        points += [near(*KIOSK, 0.035) for _ in range(at_kiosk)]
        points += [near(*DOOR, 0.04) for _ in range(entering)]
        points += [near(*self.window_spot(n), 0.015) for n in served_at]
        return points


def occupancy_event(branch_id: str, grid: HourGrid, at: dt.datetime, *, in_progress: bool = False) -> Occupancy:
    """The occupancy.v1 event of one hour of the simulated hall camera (closed, or so far: ``in_progress``)."""
    return Occupancy(
        branch_id=branch_id,
        at=at,
        camera_id=CAMERA,
        hour_start=dt.datetime.fromtimestamp(grid.hour_start, dt.UTC),
        hour_end=dt.datetime.fromtimestamp(grid.hour_end, dt.UTC),
        cols=grid.cols,
        rows=grid.rows,
        person_s=list(grid.person_s),
        seconds=min(grid.seconds, 3600.0),
        peak=grid.peak,
        in_progress=in_progress,
    )


class OutboxCameras:
    def __init__(self, redis_url: str) -> None:
        self._redis = create_redis(redis_url)
        self._outbox = Outbox(self._redis, SERVICE, source="branchops/simulate/cameras", instance="simulate")

    async def __call__(self, data: Footfall) -> None:
        await self._outbox.add_event(topics.FOOTFALL, data)

    async def occupancy(self, data: Occupancy) -> None:
        """A closed hour's occupancy grid (occupancy.v1), as the camera workers publish it."""
        await self._outbox.add_event(topics.OCCUPANCY, data)

    async def status(self, data: CameraStatus) -> None:
        """A camera's health (camera_status.v1), as the vision service publishes it."""
        await self._outbox.add_event(topics.CAMERA_STATUS, data)

    async def close(self) -> None:
        await self._redis.aclose()
