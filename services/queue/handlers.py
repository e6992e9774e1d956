"""Consumers of the queue service: one idempotent method per topic, registered in bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from branchops.contracts import CloudEvent
from branchops.contracts.enums import WindowState
from branchops.contracts.events import Footfall, StaffingAlert, StaffingPlan, Window
from services.queue.adapters.call_next import WindowStore
from services.queue.adapters.snapshot import SnapshotReader
from services.queue.usecases.appointments import Appointments
from services.queue.usecases.clock import Changed, unchanged


@dataclass
class QueueHandlers:
    reader: SnapshotReader
    windows: WindowStore
    changed: Changed = unchanged  # a branch's queue changed: refresh its forecast
    appointments: Appointments | None = None  # appointment capacity from the staffing plan

    async def on_footfall(self, event: CloudEvent[Any]) -> None:
        data: Footfall = event.data
        await self.reader.record_footfall(data)
        self.changed(data.branch_id)

    async def on_window(self, event: CloudEvent[Any]) -> None:
        """windows.v1 from other producers (a teller system); our own events are already applied."""
        if event.source.startswith("branchops/queue/"):
            return
        data: Window = event.data
        if data.state is WindowState.OPEN and not data.skills:
            return  # an open window without skills cannot call anyone; nothing to apply
        if await self.windows.apply_external(data):
            self.changed(data.branch_id)

    async def on_alert(self, event: CloudEvent[Any]) -> None:
        data: StaffingAlert = event.data
        await self.reader.record_alert(data)

    async def on_plan(self, event: CloudEvent[Any]) -> None:
        """staffing.plan.v1: the day's appointment capacity from the newest plan version (older ones ignored)."""
        if self.appointments is not None:
            data: StaffingPlan = event.data
            await self.appointments.apply_plan(data)
