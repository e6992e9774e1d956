"""Tell customers who left a number that their turn is near, and which window calls them (issue 18 item 3).

Every committed change of a branch's queue marks the branch (``mark``, the same hook the forecast uses);
the worker then looks at the branch's tickets with a number, works out each one's place and wait as the
phone page does, and sends what is due (``domain/notices.py``): "near" once, "called" once. What was sent
is stored with the number, so a restart or a second replica does not send it again (two replicas at the
same moment could: the receiver dedups by delivery id only per delivery, so the worker is meant to run
where the forecast lease runs). Numbers of finished tickets are forgotten.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from services.queue.adapters.contact_store import ContactStore
from services.queue.domain.errors import UnknownTicket
from services.queue.domain.nearness import NearRule
from services.queue.domain.notices import TicketNotice, due, finished
from services.queue.usecases.tickets import Tickets

log = logging.getLogger(__name__)


class NoticeSender(Protocol):
    async def send(self, notice: TicketNotice, phone: str) -> None: ...


@dataclass
class TicketNotices:
    tickets: Tickets
    contacts: ContactStore
    sender: NoticeSender
    rule: NearRule
    interval_s: float = 1.0
    _dirty: set[str] = field(default_factory=set)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def mark(self, branch_id: str) -> None:
        self._dirty.add(branch_id)
        self._wake.set()

    async def leave(self, branch_id: str, ticket_id: str, phone: str, lang: str) -> None:
        await self.contacts.leave(branch_id, ticket_id, phone, lang)
        self.mark(branch_id)  # a customer already near hears it at once

    async def forget(self, branch_id: str, ticket_id: str) -> None:
        await self.contacts.forget(branch_id, ticket_id)

    async def notify_branch(self, branch_id: str) -> int:
        """Sends what is due in one branch; the number of notices sent."""
        sent_now = 0
        for contact in await self.contacts.of_branch(branch_id):
            try:
                record, position, estimate = await self.tickets.status(branch_id, contact.ticket_id)
            except UnknownTicket:
                await self.contacts.forget(branch_id, contact.ticket_id)
                continue
            high = estimate.high_min if estimate is not None else None
            kind = due(contact.sent, record.status, position, high, self.rule)
            sent = contact.sent
            if kind is not None:
                notice = TicketNotice(
                    kind, branch_id, record.number, record.window_id, _ahead(position), high, contact.lang
                )
                await self.sender.send(notice, contact.phone)
                sent = sent | {kind}
                sent_now += 1
                if not await self.contacts.mark_sent(branch_id, contact.ticket_id, sent):
                    continue
            if finished(record.status, sent):
                await self.contacts.forget(branch_id, contact.ticket_id)
        return sent_now

    async def run(self, on_error: Callable[[BaseException], None] | None = None) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()
            branches, self._dirty = self._dirty, set()
            for branch_id in sorted(branches):
                try:
                    await self.notify_branch(branch_id)
                except Exception as exc:  # Redis away: the branch is looked at again after the next change
                    self._dirty.add(branch_id)
                    log.warning("notices of branch %s postponed: %s", branch_id, type(exc).__name__)
                    if on_error:
                        on_error(exc)
            await asyncio.sleep(self.interval_s)  # at most one round a second, whatever the traffic

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()


def _ahead(position: int | None) -> int | None:
    return None if position is None else max(position - 1, 0)
