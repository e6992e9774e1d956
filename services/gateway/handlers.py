"""Gateway handlers: every topic's events go to the broadcaster (as they came) and, typed, to the branch's
snapshot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from branchops.clock import platform_clock
from branchops.contracts import CloudEvent, encode
from branchops.contracts.base import EventData
from branchops.contracts.enums import Priority, TicketStatus
from branchops.contracts.events import Ticket
from branchops.contracts.topics import topic_by_name
from services.gateway.adapters.broadcaster import Broadcaster
from services.gateway.adapters.ticket_watch import TicketWatch
from services.gateway.domain.replay import StreamItem
from services.gateway.domain.snapshot import BranchState


def event_data(event: CloudEvent[Any]) -> EventData:
    """The event's data as its topic's model: as the consumer decoded it, else validated once here."""
    if isinstance(event.data, EventData):
        return event.data
    return topic_by_name(event.type).model.model_validate(event.data)


LINE_MOVES = frozenset({TicketStatus.CALLED, TicketStatus.CANCELLED, TicketStatus.ABANDONED, TicketStatus.TRANSFERRED})
"""A ticket leaving its line (or joining another) moves every page behind it; the rest concern one ticket."""


@dataclass
class GatewayHandlers:
    broadcaster: Broadcaster
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    target_wait_min: float = 10.0
    states: dict[str, BranchState] = field(default_factory=dict)
    ticket_watch: TicketWatch = field(default_factory=TicketWatch)  # the phone pages' long polls

    def state(self, branch_id: str) -> BranchState:
        found = self.states.get(branch_id)
        if found is None:
            found = self.states[branch_id] = BranchState(branch_id, self.zone, self.target_wait_min)
        return found

    async def on_event(self, event: CloudEvent[Any]) -> None:
        data = event_data(event)
        today = platform_clock().now().astimezone(self.zone).date()
        if data.at.astimezone(self.zone).date() < today:
            return  # a past day's event (backfilled history, a replay): not live, not today's
        item = StreamItem(
            event_id=event.id,
            event_type=event.type,
            branch_id=event.subject,
            payload=encode(event).decode(),
            ticket_id=data.ticket_id if isinstance(data, Ticket) else None,
        )
        if self.broadcaster.publish(item):
            self.state(event.subject).apply(data)
            if isinstance(data, Ticket):
                self._watch(event.subject, data)

    def _watch(self, branch_id: str, ticket: Ticket) -> None:
        """Wake the phone pages this ticket's change concerns (adapters/ticket_watch.py)."""
        if ticket.status in LINE_MOVES or (ticket.status == TicketStatus.ISSUED and ticket.priority != Priority.NORMAL):
            self.ticket_watch.changed(branch_id, ticket.service.value)
        elif ticket.status != TicketStatus.ISSUED:  # a new normal ticket moves nobody
            self.ticket_watch.changed(branch_id, f"#{ticket.number}")

    def summaries(
        self, now: dt.datetime | None = None, branches: list[str] | None = None, *, only: bool = False
    ) -> list[dict[str, Any]]:
        """Every branch seen or configured; ``only``: just ``branches`` (a caller bound to some)."""
        moment = now or platform_clock().now()
        names = sorted(set(branches or ())) if only else sorted(set(self.states) | set(branches or ()))
        return [self.state(b).summary(moment) for b in names]
