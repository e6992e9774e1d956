"""Teller window use cases: open, close or pause a window with its skills; call the next customer.

Refusals are domain errors (``services.queue.domain.errors``); the routes turn them into problem+json.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from branchops.contracts.enums import ServiceName, WindowState
from services.queue.adapters.call_next import WindowStore
from services.queue.domain.tickets import TicketRecord
from services.queue.domain.undo import UNDO_CALL_WITHIN
from services.queue.domain.windows import WindowRecord
from services.queue.usecases.clock import Changed, Clock, unchanged, utc_now


@dataclass
class Windows:
    store: WindowStore
    clock: Clock = utc_now
    changed: Changed = unchanged
    undo_within: dt.timedelta = UNDO_CALL_WITHIN  # in clock time (bootstrap scales it by the clock's rate)

    async def put(
        self, branch_id: str, window_id: str, state: WindowState, skills: tuple[ServiceName, ...], staff_id: str | None
    ) -> WindowRecord:
        """The window as set; raises ``Invalid`` (skills) or ``Conflict`` (it still holds a customer)."""
        record, changed = await self.store.put(branch_id, window_id, state, skills, staff_id, self.clock())
        if changed:
            self.changed(branch_id)
        return record

    async def call_next(self, branch_id: str, window_id: str) -> TicketRecord | None:
        """The ticket called to the window, None when nobody waits for its skills; raises ``NotFound`` (no such
        window) or ``Conflict`` (not open, or still holding a customer)."""
        record = await self.store.call_next(branch_id, window_id, self.clock())
        if record is not None:
            self.changed(branch_id)
        return record

    async def undo_call(self, branch_id: str, window_id: str, ticket_id: str) -> TicketRecord:
        """A mistaken call taken back: the ticket waits at the head of its line again and the window is free;
        raises ``NotFound`` or ``Conflict`` (not called here, or called longer ago than ``undo_within``)."""
        record = await self.store.undo_call(branch_id, window_id, ticket_id, self.clock(), self.undo_within)
        self.changed(branch_id)
        return record
