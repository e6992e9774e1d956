"""The customer's phone page behind a ticket token: where the ticket stands, and cancelling it (issue 18 item 3).

Everything goes through the token: a token this service did not mint, and a ticket that is gone, are both
``UnknownTicket`` with the same words, so the page cannot be used to learn which tickets exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.queue.domain.errors import NotFound, UnknownTicket
from services.queue.domain.lifecycle import Action
from services.queue.domain.nearness import NearRule
from services.queue.domain.predict import Estimate
from services.queue.domain.ticket_token import mint, open_token
from services.queue.domain.tickets import TicketRecord
from services.queue.usecases.tickets import Tickets

GONE = "no such ticket (the link is wrong, or the ticket's day is over)"


@dataclass(frozen=True)
class PhoneStatus:
    ticket: TicketRecord
    position: int | None
    estimate: Estimate | None
    near: bool


@dataclass
class PhoneTickets:
    tickets: Tickets
    key: bytes
    rule: NearRule

    def token(self, branch_id: str, ticket_id: str) -> str:
        return mint(self.key, branch_id, ticket_id)

    async def status(self, token: str) -> PhoneStatus:
        branch_id, ticket_id = self._open(token)
        try:
            record, position, estimate = await self.tickets.status(branch_id, ticket_id)
        except UnknownTicket:
            raise UnknownTicket(GONE) from None
        high = estimate.high_min if estimate is not None else None
        return PhoneStatus(record, position, estimate, self.rule.near(position, high))

    async def cancel(self, token: str) -> TicketRecord:
        """Raises ``UnknownTicket`` (404) or the lifecycle's ``Conflict`` (409: already called or done)."""
        branch_id, ticket_id = self._open(token)
        try:
            return await self.tickets.act(branch_id, ticket_id, Action.CANCEL)
        except NotFound:
            raise UnknownTicket(GONE) from None

    async def ticket_of(self, token: str) -> TicketRecord:
        """The ticket behind a token (``UnknownTicket`` for a bad token or a ticket that is gone)."""
        return (await self.status(token)).ticket

    def _open(self, token: str) -> tuple[str, str]:
        opened = open_token(self.key, token)
        if opened is None:
            raise UnknownTicket(GONE)
        return opened
