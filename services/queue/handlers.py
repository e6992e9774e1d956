"""Use cases of the queue service (called by routes) and its event handlers (called by consumers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from branchops.contracts import CloudEvent
from branchops.contracts.enums import ServiceName, WindowState
from branchops.contracts.events import Footfall, StaffingAlert, Window
from branchops.web import Problem
from services.queue.adapters.call_next import WindowStore
from services.queue.adapters.snapshot import SnapshotReader
from services.queue.adapters.ticket_store import DayFull, TicketStore
from services.queue.domain.errors import Conflict, Invalid, NotFound, QueueError
from services.queue.domain.lifecycle import Action
from services.queue.domain.predict import Estimate
from services.queue.domain.tickets import IssueTicket, TicketRecord
from services.queue.domain.windows import WindowRecord
from services.queue.forecasting import LiveQueue, QueueView

Clock = Callable[[], dt.datetime]
STATUS = {NotFound: 404, Conflict: 409, Invalid: 422}


def problem(exc: QueueError) -> Problem:
    return Problem(STATUS.get(type(exc), 400), exc.title, str(exc))


@dataclass
class QueueHandlers:
    store: TicketStore
    windows: WindowStore
    live: LiveQueue
    reader: SnapshotReader
    clock: Clock
    source: str = ""
    changed: Callable[[str], None] = lambda branch: None  # a branch's queue changed: refresh its forecast

    async def issue_ticket(self, command: IssueTicket) -> tuple[TicketRecord, int | None, Estimate]:
        """(the ticket, its place in line, the wait estimate given to the customer)."""
        if not self.store.rules.priority_allowed(command.priority, command.channel):
            raise Problem(422, "Priority not allowed", f"{command.priority.value} tickets cannot be issued "
                          f"through the {command.channel.value} channel")
        now = self.clock()
        counter = self.store.counter(command.branch_id, command.service, now)
        projection, estimate, sequence = await self.live.predict_new(command.branch_id, command.service,
                                                                     command.priority, now, reserve=counter)
        ahead = 0.0
        if command.appointment_at and command.appointment_at > now:
            ahead = (command.appointment_at - now).total_seconds() / 60.0
        try:
            record, position = await self.store.issue(command, now, (max(projection.mean_min - ahead, 0.0),
                                                                     projection.sd_min), sequence)
        except DayFull as exc:
            raise Problem(409, "No numbers left today", str(exc)) from exc
        self._after(command.branch_id)
        return record, position, estimate

    async def ticket_status(self, branch_id: str, ticket_id: str) -> tuple[TicketRecord, int | None, Estimate | None]:
        record = await self.store.get(branch_id, ticket_id)
        if record is None:
            raise Problem(404, "Unknown ticket", f"no ticket {ticket_id} in branch {branch_id}")
        position = await self.store.position(record)
        if position is None and record.ready_at is None:
            return record, None, None
        view = await self.live.view(branch_id, self.clock())
        estimate = next((e for r, _, e in view.tickets if r.ticket_id == ticket_id), None)
        return record, position, estimate

    async def act(self, branch_id: str, ticket_id: str, action: Action, *, service: ServiceName | None = None,
                  window_id: str | None = None) -> TicketRecord:
        try:
            record = await self.store.act(branch_id, ticket_id, action, self.clock(), service=service,
                                          window_id=window_id)
        except QueueError as exc:
            raise problem(exc) from exc
        self._after(branch_id)
        return record

    async def call_next(self, branch_id: str, window_id: str) -> TicketRecord | None:
        try:
            record = await self.windows.call_next(branch_id, window_id, self.clock())
        except QueueError as exc:
            raise problem(exc) from exc
        if record is not None:
            self._after(branch_id)
        return record

    async def put_window(self, branch_id: str, window_id: str, state: WindowState, skills: tuple[ServiceName, ...],
                         staff_id: str | None) -> WindowRecord:
        try:
            record, changed = await self.windows.put(branch_id, window_id, state, skills, staff_id, self.clock())
        except QueueError as exc:
            raise problem(exc) from exc
        if changed:
            self._after(branch_id)
        return record

    async def queue_view(self, branch_id: str) -> QueueView:
        return await self.live.view(branch_id, self.clock())

    def _after(self, branch_id: str) -> None:
        """A change was committed (its event is staged and the relay woken by the store)."""
        self.changed(branch_id)

    # --- consumers ---------------------------------------------------------------------------
    async def on_footfall(self, event: CloudEvent[Any]) -> None:
        data: Footfall = event.data
        await self.reader.record_footfall(data)
        self.changed(data.branch_id)

    async def on_window(self, event: CloudEvent[Any]) -> None:
        """windows.v1 from other producers (a teller system); our own events are already applied."""
        if event.source.startswith("branchops/queue/"):
            return
        data: Window = event.data
        if data.state is WindowState.OPEN and not data.skills:
            return  # an open window without skills cannot call anyone; nothing to apply
        if await self.windows.apply_external(data):
            self.changed(data.branch_id)

    async def on_alert(self, event: CloudEvent[Any]) -> None:
        data: StaffingAlert = event.data
        await self.reader.record_alert(data)
