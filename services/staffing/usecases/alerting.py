"""Alerts: from the floor and the plan to staffing.alerts.v1 and the webhook; ack, escalation, cameras."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from branchops.contracts.enums import Severity
from branchops.contracts.events import CameraStatus, StaffingAlert
from services.staffing.adapters.alert_store import AlertRecord, AlertStore
from services.staffing.adapters.live_store import LiveStore
from services.staffing.adapters.webhook import WebhookSender
from services.staffing.contract import alert_event, camera_down_event
from services.staffing.domain import notices
from services.staffing.domain.alerts import AlertSettings, ServiceNow, plan_now, propose_alerts
from services.staffing.domain.live import floor_now
from services.staffing.domain.plan import Plan
from services.staffing.domain.problem import StaffingProblem
from services.staffing.settings import StaffingSettings

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]


@dataclass
class Alerting:
    store: AlertStore
    live: LiveStore
    webhook: WebhookSender | None
    settings: StaffingSettings
    clock: Clock

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.settings.timezone)
        self._stop = asyncio.Event()
        self._versions: dict[str, tuple[int | None, dt.datetime]] = {}  # branch -> (plan version, first seen)

    def _following(self, branch_id: str, plan: Plan) -> bool:
        """Is the floor still within ``plan_grace_min`` of a plan version this process saw change?"""
        now = self.clock()
        seen = self._versions.get(branch_id)
        if seen is None or seen[0] != plan.version:
            self._versions[branch_id] = seen = (plan.version, now)
        return now - seen[1] < dt.timedelta(minutes=self.settings.plan_grace_min)

    async def propose(
        self,
        branch_id: str,
        problem: StaffingProblem,
        plan: Plan,
        services: Sequence[ServiceNow],
        now_min: int,
        day: dt.date,
    ) -> list[StaffingAlert]:
        memory = await self.live.memory(branch_id, day.isoformat())
        wanted = planned = plan_now(plan, now_min)
        floor = floor_now(problem, plan, await self.live.windows(branch_id), services, now_min, wanted.serving)
        if self._following(branch_id, plan):  # a new plan version: the floor follows it by itself for a while;
            serving_now: dict[str, int] = {}  # meanwhile only waits over target call for a window
            for window in floor.windows:
                if window.is_open and window.service is not None:
                    serving_now[window.service] = serving_now.get(window.service, 0) + 1
            wanted = replace(wanted, windows=serving_now)
        rules = AlertSettings(hysteresis_min=self.settings.hysteresis_min, expiry_min=self.settings.alert_expiry_min)
        proposals, memory = propose_alerts(floor, wanted, memory, rules)
        await self.live.save_memory(branch_id, day.isoformat(), memory)
        raised = []
        queues = {s.name: s.queue for s in services}
        for proposal in proposals:
            opened = sum(1 for w in floor.windows if w.is_open and w.service == proposal.service)
            event = alert_event(
                branch_id,
                proposal,
                day,
                self.zone,
                self.clock(),
                {
                    "planned_windows": planned.windows.get(proposal.service, 0),
                    "open_windows": opened,
                    "queue": queues.get(proposal.service, 0),
                },
            )
            if await self.raise_alert(event, notices.alert_fingerprint(proposal)):
                raised.append(event)
        return raised

    async def raise_alert(self, event: StaffingAlert, fingerprint: str) -> bool:
        now, escalate_at = self.clock(), None
        if event.severity is Severity.URGENT:
            escalate_at = now + dt.timedelta(seconds=self.settings.escalate_after_s)
        raised = await self.store.raise_alert(event, fingerprint, escalate_at, now)
        if raised and self.webhook is not None:
            self.webhook.offer(event)
        return raised

    async def camera_down(self, status: CameraStatus) -> bool:
        event = camera_down_event(status.branch_id, status.camera_id, status.error, self.clock())
        return await self.raise_alert(event, notices.fingerprint("camera_down", status.camera_id))

    async def camera_up(self, status: CameraStatus) -> StaffingAlert | None:
        """The camera is back: its open camera_down alert expires now (the dashboard drops it)."""
        return await self.store.resolve(
            status.branch_id, notices.fingerprint("camera_down", status.camera_id), self.clock()
        )

    async def acknowledge(self, branch_id: str, alert_id: str, who: str) -> AlertRecord:
        return await self.store.acknowledge(branch_id, alert_id, who, self.clock())

    async def open_alerts(self, branch_id: str, *, acknowledged: bool = False) -> list[AlertRecord]:
        """The open alerts; with ``acknowledged`` also the acknowledged ones not expired yet."""
        now = self.clock()
        records = await self.store.open_alerts(branch_id, now)
        if acknowledged:
            records += await self.store.acknowledged_alerts(branch_id, now)
        return records

    async def escalate(self) -> list[StaffingAlert]:
        escalated = []
        for branch_id in await self.store.alert_branches():
            for alert in await self.store.escalate_due(branch_id, self.clock(), self.settings.escalate_after_s):
                log.warning("alert %s of %s escalated: not acknowledged", alert.alert_id, branch_id)
                if self.webhook is not None:
                    self.webhook.offer(alert)
                escalated.append(alert)
        return escalated

    async def expire(self) -> list[StaffingAlert]:
        """Publish each alert that expired unacknowledged once more, ``expired`` true (once per alert id)."""
        expired = []
        for branch_id in await self.store.alert_branches():
            expired += await self.store.expire_due(branch_id, self.clock())
        return expired

    async def run(self) -> None:
        """Escalation and expiry ticker (every ``alert_tick_s``)."""
        while not self._stop.is_set():
            try:
                await self.escalate()
            except Exception:
                log.exception("escalation round failed")
            try:
                await self.expire()
            except Exception:
                log.exception("expiry round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.alert_tick_s)

    def stop(self) -> None:
        self._stop.set()
