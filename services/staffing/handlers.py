"""Event handlers of the staffing service (each idempotent: sets, upserts, fingerprinted alerts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from branchops.contracts import CloudEvent
from branchops.contracts.enums import CameraState
from branchops.contracts.events import BranchConfigChanged, CameraStatus, QueueForecast, Ticket, Window
from services.staffing.adapters.live_store import LiveStore
from services.staffing.adapters.plan_store import PlanStore
from services.staffing.adapters.ticket_counts import TicketCounts
from services.staffing.domain.live import ForecastView, significant_change
from services.staffing.usecases.alerting import Alerting
from services.staffing.usecases.day_planning import DayPlanner
from services.staffing.usecases.intraday import Intraday


def forecast_view(forecast: QueueForecast) -> ForecastView:
    return ForecastView(
        waits={q.service.value: q.est_wait_min for q in forecast.per_service},
        waiting={q.service.value: q.waiting for q in forecast.per_service},
        arrivals_total=sum(a.expected for a in forecast.arrivals),
    )


@dataclass
class StaffingHandlers:
    counts: TicketCounts
    live: LiveStore
    plans: PlanStore
    alerting: Alerting
    intraday: Intraday
    change_fraction: float
    day_planner: DayPlanner | None = None
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    async def on_ticket(self, event: CloudEvent[Any]) -> None:
        ticket: Ticket = event.data
        await self.counts.record(
            ticket.branch_id, ticket.at.date(), ticket.status, ticket.ticket_id, ticket.service.value
        )
        await self.counts.record_history(ticket, self.zone)

    async def on_window(self, event: CloudEvent[Any]) -> None:
        window: Window = event.data
        await self.live.put_window(window)

    async def on_branch_config(self, event: CloudEvent[Any]) -> None:
        """Keep the newest configuration of the branch; a new version re-plans it (debounced)."""
        change: BranchConfigChanged = event.data
        if self.day_planner is not None:
            await self.day_planner.on_config(change)

    async def on_forecast(self, event: CloudEvent[Any]) -> None:
        """Keep the newest forecast; a significant change re-plans the branch now (in the loop's task)."""
        forecast: QueueForecast = event.data
        accepted, old = await self.live.put_forecast(forecast)
        if not accepted:
            return
        problem = await self.plans.instance(forecast.branch_id)
        if problem is None:
            return  # nothing to plan for this branch yet
        target = problem.service_level.target_wait_min
        before = forecast_view(old) if old is not None else None
        if significant_change(before, forecast_view(forecast), target, self.change_fraction):
            self.intraday.trigger(forecast.branch_id)

    async def on_camera_status(self, event: CloudEvent[Any]) -> None:
        status: CameraStatus = event.data
        if status.state is CameraState.DOWN:
            await self.alerting.camera_down(status)
        elif status.state is CameraState.UP:
            await self.alerting.camera_up(status)
