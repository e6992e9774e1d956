"""Response models of the queue routes: tickets with their wait range, windows."""

from __future__ import annotations

import datetime as dt
import math

from pydantic import BaseModel

from branchops.contracts.enums import Channel, Priority, ServiceName, TicketStatus, WindowState
from services.queue.domain.predict import Estimate
from services.queue.domain.tickets import TicketRecord
from services.queue.domain.windows import WindowRecord


class WaitRange(BaseModel):
    """Whole minutes, at least two apart: the customer sees "about 8-12 minutes", never "9.7"."""

    low_min: int
    high_min: int
    text: str

    @classmethod
    def of(cls, estimate: Estimate | None) -> WaitRange | None:
        if estimate is None:
            return None
        low = max(math.floor(estimate.low_min), 0)
        high = max(math.ceil(estimate.high_min), low + 2)
        text = f"about {low}-{high} minutes" if high > 2 else "a couple of minutes at most"
        return cls(low_min=low, high_min=high, text=text)


class TicketView(BaseModel):
    ticket_id: str
    branch_id: str
    number: str
    service: ServiceName
    channel: Channel
    priority: Priority
    status: TicketStatus
    issued_at: dt.datetime
    window_id: str | None
    position: int | None = None
    joins_at: dt.datetime | None = None
    wait: WaitRange | None = None
    token: str | None = None  # the phone page's token (its QR code), for the one who holds the slip
    form: dict[str, object] | None = None  # the prepared form, to staff credentials only

    @classmethod
    def of(
        cls,
        record: TicketRecord,
        position: int | None = None,
        estimate: Estimate | None = None,
        token: str | None = None,
        *,
        staff: bool = False,
    ) -> TicketView:
        return cls(
            ticket_id=record.ticket_id,
            branch_id=record.branch_id,
            number=record.number,
            service=record.service,
            channel=record.channel,
            priority=record.priority,
            status=record.status,
            issued_at=record.issued_at,
            window_id=record.window_id,
            position=position,
            joins_at=record.ready_at,
            wait=WaitRange.of(estimate),
            token=token,
            form=record.form if staff else None,
        )


class WindowView(BaseModel):
    window_id: str
    state: WindowState
    skills: list[ServiceName]
    staff_id: str | None
    ticket_id: str | None
    busy_since: dt.datetime | None
    updated_at: dt.datetime | None

    @classmethod
    def of(cls, w: WindowRecord) -> WindowView:
        return cls(
            window_id=w.window_id,
            state=w.state,
            skills=list(w.skills),
            staff_id=w.staff_id,
            ticket_id=w.ticket_id,
            busy_since=w.busy_since,
            updated_at=w.updated_at,
        )
