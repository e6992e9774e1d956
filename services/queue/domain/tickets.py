"""Ticket numbering, the issue command and the stored ticket record: pure values."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields, replace

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
    appointment_at: dt.datetime | None = None  # appointments join the live line at this time
    form: dict[str, object] | None = None  # the digital employee's prepared form (domain/forms.py)


_TIMES = ("issued_at", "ready_at", "called_at", "started_at", "ended_at")
_FLOATS = ("pred_wait_min", "pred_sd_min")


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
    ready_at: dt.datetime | None = None  # when it joined (or joins) the live line; None = issued_at
    called_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    recalls: int = 0
    transferred_from: ServiceName | None = None
    pred_wait_min: float | None = None  # prediction made at issue, kept to learn from the realised wait
    pred_sd_min: float | None = None
    form: dict[str, object] | None = None  # the prepared form, unmasked: staff views only, events mask it
    directed_window: str | None = None  # sent to this window: it waits in (or was called from) its own line

    @property
    def sequence(self) -> int:
        return int(self.number[1:])

    @property
    def joined_at(self) -> dt.datetime:
        return self.ready_at or self.issued_at

    def evolve(self, **changes: object) -> TicketRecord:
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_fields(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                out[f.name] = ""
            elif isinstance(value, dict):
                out[f.name] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            elif isinstance(value, dt.datetime):
                out[f.name] = value.isoformat()
            elif isinstance(value, (ServiceName, Channel, Priority, TicketStatus)):
                out[f.name] = value.value
            else:
                out[f.name] = str(value)
        return out

    @classmethod
    def from_fields(cls, raw: dict[str, str]) -> TicketRecord:
        def time(name: str) -> dt.datetime | None:
            return dt.datetime.fromisoformat(raw[name]) if raw.get(name) else None

        def number(name: str) -> float | None:
            return float(raw[name]) if raw.get(name) else None

        issued = time("issued_at")
        if issued is None:
            raise ValueError("ticket record without issued_at")
        return cls(
            ticket_id=raw["ticket_id"],
            branch_id=raw["branch_id"],
            number=raw["number"],
            service=ServiceName(raw["service"]),
            channel=Channel(raw["channel"]),
            priority=Priority(raw["priority"]),
            status=TicketStatus(raw["status"]),
            issued_at=issued,
            window_id=raw.get("window_id") or None,
            ready_at=time("ready_at"),
            called_at=time("called_at"),
            started_at=time("started_at"),
            ended_at=time("ended_at"),
            recalls=int(raw.get("recalls") or 0),
            transferred_from=ServiceName(raw["transferred_from"]) if raw.get("transferred_from") else None,
            pred_wait_min=number("pred_wait_min"),
            pred_sd_min=number("pred_sd_min"),
            form=json.loads(raw["form"]) if raw.get("form") else None,
            directed_window=raw.get("directed_window") or None,
        )
