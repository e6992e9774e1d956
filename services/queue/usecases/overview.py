"""The manager's view of a branch's queue: lines with each ticket's wait, windows, arrivals to come, alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from branchops.contracts.events import QueueForecast, StaffingAlert
from services.queue.adapters.snapshot import SnapshotReader
from services.queue.usecases.clock import Clock, utc_now
from services.queue.usecases.forecasting import LiveQueue, QueueView


@dataclass(frozen=True)
class Overview:
    at: dt.datetime
    forecast: QueueForecast
    view: QueueView
    alerts: list[StaffingAlert]


@dataclass
class QueueOverview:
    live: LiveQueue
    reader: SnapshotReader
    clock: Clock = utc_now

    async def of(self, branch_id: str) -> Overview:
        now = self.clock()
        forecast = await self.live.forecast(branch_id, now)
        view = await self.live.view(branch_id, now)
        return Overview(now, forecast, view, await self.reader.alerts(branch_id, now))
