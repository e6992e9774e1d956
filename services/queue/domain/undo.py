"""Undoing a mistaken call (pure): within a few seconds of the call, the ticket goes back to the head of its
line and the window is free again, as if the call had never been made."""

from __future__ import annotations

import datetime as dt

from branchops.contracts.enums import TicketStatus
from services.queue.domain.errors import Conflict
from services.queue.domain.tickets import TicketRecord
from services.queue.domain.windows import WindowRecord

UNDO_CALL_WITHIN = dt.timedelta(seconds=5)
"""How long after a call it may be undone (wall time; the use case scales it to the platform clock)."""


def undo_call(
    ticket: TicketRecord,
    window: WindowRecord | None,
    window_id: str,
    now: dt.datetime,
    within: dt.timedelta = UNDO_CALL_WITHIN,
) -> TicketRecord:
    """The ticket waiting again as before its call; raises ``Conflict`` when the call cannot be undone: the
    ticket is not called (or already served, recalled or finished), it is at another window, or the call is
    older than ``within``."""
    if ticket.status is not TicketStatus.CALLED:
        raise Conflict(f"ticket {ticket.number} is {ticket.status.value}: only a call can be undone")
    if ticket.window_id != window_id or window is None or window.ticket_id != ticket.ticket_id:
        raise Conflict(f"ticket {ticket.number} is not at window {window_id}")
    if ticket.recalls:
        raise Conflict(f"ticket {ticket.number} was recalled already: the customer has been called twice")
    if ticket.called_at is None or not dt.timedelta(0) <= now - ticket.called_at <= within:
        raise Conflict(
            f"ticket {ticket.number} was called too long ago to undo (a call can be undone within "
            f"{within.total_seconds():g} s of clock time)"
        )
    waiting = TicketStatus.TRANSFERRED if ticket.transferred_from is not None else TicketStatus.ISSUED
    return ticket.evolve(status=waiting, window_id=None, called_at=None)
