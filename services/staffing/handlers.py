"""Event handlers and use cases of the staffing service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from branchops.contracts import CloudEvent
from branchops.contracts.events import Ticket
from services.staffing.adapters.ticket_counts import TicketCounts


@dataclass
class StaffingHandlers:
    counts: TicketCounts

    async def on_ticket(self, event: CloudEvent[Any]) -> None:
        ticket: Ticket = event.data
        await self.counts.record(ticket.branch_id, ticket.at.date(), ticket.status, ticket.ticket_id)
