"""Synthetic cameras of ``branchops simulate``: footfall.v1 staged in the queue service's Redis outbox,
the way its camera pipeline stages real counts (its relay publishes them to Kafka)."""

from __future__ import annotations

import datetime as dt

from branchops.bus.outbox import Outbox
from branchops.contracts import topics
from branchops.contracts.events import CameraStatus, Footfall
from branchops.state.client import create_redis

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


class OutboxCameras:
    def __init__(self, redis_url: str) -> None:
        self._redis = create_redis(redis_url)
        self._outbox = Outbox(self._redis, SERVICE, source="branchops/simulate/cameras", instance="simulate")

    async def __call__(self, data: Footfall) -> None:
        await self._outbox.add_event(topics.FOOTFALL, data)

    async def status(self, data: CameraStatus) -> None:
        """A camera's health (camera_status.v1), as the vision service publishes it."""
        await self._outbox.add_event(topics.CAMERA_STATUS, data)

    async def close(self) -> None:
        await self._redis.aclose()
