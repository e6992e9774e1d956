"""Use cases of the queue service: called by routes, calling the domain and the stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from branchops.bus.outbox import Outbox
from branchops.web import Problem
from services.queue.adapters.ticket_store import DayFull, TicketStore
from services.queue.domain.tickets import IssueTicket, TicketRecord

Clock = Callable[[], dt.datetime]


@dataclass
class QueueHandlers:
    store: TicketStore
    outbox: Outbox
    clock: Clock

    async def issue_ticket(self, command: IssueTicket) -> TicketRecord:
        try:
            record = await self.store.issue(command, self.clock())
        except DayFull as exc:
            raise Problem(409, "No numbers left today", str(exc)) from exc
        self.outbox.notify()
        return record

    async def ticket_status(self, branch_id: str, ticket_id: str) -> tuple[TicketRecord, int | None]:
        record = await self.store.get(branch_id, ticket_id)
        if record is None:
            raise Problem(404, "Unknown ticket", f"no ticket {ticket_id} in branch {branch_id}")
        return record, await self.store.position(record)
