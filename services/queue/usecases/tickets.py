"""Ticket use cases: issue a ticket with its wait estimate, a ticket's status, the actions on a ticket.

Refusals are domain errors (``services.queue.domain.errors``); the routes turn them into problem+json.
"""

from __future__ import annotations

from dataclasses import dataclass

from branchops.contracts.enums import ServiceName
from services.queue.adapters.ticket_store import TicketStore
from services.queue.domain.errors import PriorityNotAllowed, UnknownTicket
from services.queue.domain.lifecycle import Action
from services.queue.domain.predict import Estimate
from services.queue.domain.tickets import IssueTicket, TicketRecord
from services.queue.usecases.clock import Changed, Clock, unchanged, utc_now
from services.queue.usecases.forecasting import LiveQueue


@dataclass
class Tickets:
    store: TicketStore
    live: LiveQueue
    clock: Clock = utc_now
    changed: Changed = unchanged

    async def issue(self, command: IssueTicket) -> tuple[TicketRecord, int | None, Estimate]:
        """(the ticket, its place in line, the wait estimate given to the customer); raises ``PriorityNotAllowed``
        or ``DayFull``."""
        if not self.store.rules.priority_allowed(command.priority, command.channel):
            raise PriorityNotAllowed(
                f"{command.priority.value} tickets cannot be issued through the {command.channel.value} channel"
            )
        now = self.clock()
        counter = self.store.counter(command.branch_id, command.service, now)
        projection, estimate, sequence = await self.live.predict_new(
            command.branch_id, command.service, command.priority, now, reserve=counter
        )
        ahead = 0.0
        if command.appointment_at and command.appointment_at > now:
            ahead = (command.appointment_at - now).total_seconds() / 60.0
        record, position = await self.store.issue(
            command, now, (max(projection.mean_min - ahead, 0.0), projection.sd_min), sequence
        )
        self.changed(command.branch_id)
        return record, position, estimate

    async def status(self, branch_id: str, ticket_id: str) -> tuple[TicketRecord, int | None, Estimate | None]:
        """(the ticket, its place in line, its wait estimate) while it waits; raises ``UnknownTicket``."""
        record = await self.store.get(branch_id, ticket_id)
        if record is None:
            raise UnknownTicket(f"no ticket {ticket_id} in branch {branch_id}")
        position = await self.store.position(record)
        if position is not None and record.directed_window is not None:  # waits for one window only
            return record, position, await self.store.directed_estimate(record, self.clock())
        if position is None and record.ready_at is None:
            return record, None, None
        view = await self.live.view(branch_id, self.clock())
        estimate = next((e for r, _, e in view.tickets if r.ticket_id == ticket_id), None)
        return record, position, estimate

    async def act(
        self,
        branch_id: str,
        ticket_id: str,
        action: Action,
        *,
        service: ServiceName | None = None,
        window_id: str | None = None,
        to_window: str | None = None,
    ) -> TicketRecord:
        """The ticket after ``action``; raises ``NotFound``, ``Conflict`` or ``Invalid`` (a transfer to a
        window: ``UnknownWindow``, ``WindowNotOpen``, ``OwnWindow`` with their ``reason``)."""
        record = await self.store.act(
            branch_id, ticket_id, action, self.clock(), service=service, window_id=window_id, to_window=to_window
        )
        self.changed(branch_id)
        return record
