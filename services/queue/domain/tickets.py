"""Ticket numbering and the issue command: pure values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from branchops.contracts.enums import Channel, Priority, ServiceName, TicketStatus

PREFIX_BY_SERVICE: dict[ServiceName, str] = {
    ServiceName.CASH: "A",
    ServiceName.GENERAL: "B",
    ServiceName.CORPORATE: "C",
    ServiceName.WEALTH: "D",
    ServiceName.FX: "E",
}
MAX_PER_DAY = 9999


def ticket_number(service: ServiceName, sequence: int) -> str:
    """``ticket_number(CASH, 23) == "A023"``; four digits past 999."""
    if not 1 <= sequence <= MAX_PER_DAY:
        raise ValueError(f"ticket sequence {sequence} outside 1..{MAX_PER_DAY}")
    return f"{PREFIX_BY_SERVICE[service]}{sequence:03d}"


@dataclass(frozen=True)
class IssueTicket:
    branch_id: str
    service: ServiceName
    channel: Channel
    priority: Priority = Priority.NORMAL


@dataclass(frozen=True)
class TicketRecord:
    ticket_id: str
    branch_id: str
    number: str
    service: ServiceName
    channel: Channel
    priority: Priority
    status: TicketStatus
    issued_at: dt.datetime
    window_id: str | None = None

    def to_fields(self) -> dict[str, str]:
        return {
            "ticket_id": self.ticket_id, "branch_id": self.branch_id, "number": self.number,
            "service": self.service.value, "channel": self.channel.value, "priority": self.priority.value,
            "status": self.status.value, "issued_at": self.issued_at.isoformat(), "window_id": self.window_id or "",
        }

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> TicketRecord:
        return cls(
            ticket_id=fields["ticket_id"], branch_id=fields["branch_id"], number=fields["number"],
            service=ServiceName(fields["service"]), channel=Channel(fields["channel"]),
            priority=Priority(fields["priority"]), status=TicketStatus(fields["status"]),
            issued_at=dt.datetime.fromisoformat(fields["issued_at"]), window_id=fields.get("window_id") or None,
        )
