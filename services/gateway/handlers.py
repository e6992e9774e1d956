"""Gateway handlers: every topic's events go to the broadcaster and to the branch's snapshot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from branchops.contracts import CloudEvent, encode, topics
from services.gateway.adapters.broadcaster import Broadcaster
from services.gateway.domain.replay import StreamItem
from services.gateway.domain.snapshot import BranchState


@dataclass
class GatewayHandlers:
    broadcaster: Broadcaster
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    target_wait_min: float = 10.0
    states: dict[str, BranchState] = field(default_factory=dict)

    def state(self, branch_id: str) -> BranchState:
        found = self.states.get(branch_id)
        if found is None:
            found = self.states[branch_id] = BranchState(branch_id, self.zone, self.target_wait_min)
        return found

    async def on_event(self, event: CloudEvent[Any]) -> None:
        data = event.data.model_dump(mode="json") if hasattr(event.data, "model_dump") else dict(event.data)
        ticket_id = data.get("ticket_id") if event.type == topics.TICKETS.event_type else None
        item = StreamItem(event_id=event.id, event_type=event.type, branch_id=event.subject,
                          payload=encode(event).decode(), ticket_id=ticket_id)
        if self.broadcaster.publish(item):
            self.state(event.subject).apply(event.type, data)

    def summaries(self, now: dt.datetime | None = None, branches: list[str] | None = None) -> list[dict[str, Any]]:
        moment = now or dt.datetime.now(dt.UTC)
        names = sorted(set(self.states) | set(branches or ()))
        return [self.state(b).summary(moment) for b in names]
