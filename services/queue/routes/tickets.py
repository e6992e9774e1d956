"""Ticket endpoints (DESIGN.md section 4)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict

from branchops.contracts.base import BranchId, Identifier
from branchops.contracts.enums import Channel, Priority, ServiceName, TicketStatus
from branchops.settings import Role
from branchops.web import Principal, check_branch, require_roles
from services.queue.domain.tickets import IssueTicket, TicketRecord
from services.queue.handlers import QueueHandlers

router = APIRouter(prefix="/v1/branches/{branch_id}", tags=["tickets"])
BranchPath = Annotated[BranchId, Path(description="Branch id")]
Issuer = Annotated[Principal, Depends(require_roles(Role.KIOSK, Role.TELLER, Role.MANAGER, Role.SERVICE))]
Reader = Annotated[Principal, Depends(require_roles(Role.KIOSK, Role.TELLER, Role.MANAGER, Role.SERVICE,
                                                    Role.HEAD_OFFICE))]


def get_handlers(request: Request) -> QueueHandlers:
    return request.app.state.handlers


HandlersDep = Annotated[QueueHandlers, Depends(get_handlers)]


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: ServiceName
    channel: Channel = Channel.KIOSK
    priority: Priority = Priority.NORMAL


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

    @classmethod
    def of(cls, record: TicketRecord, position: int | None = None) -> TicketView:
        return cls(ticket_id=record.ticket_id, branch_id=record.branch_id, number=record.number,
                   service=record.service, channel=record.channel, priority=record.priority,
                   status=record.status, issued_at=record.issued_at, window_id=record.window_id, position=position)


@router.post("/tickets", status_code=201, response_model=TicketView, summary="Issue a ticket")
async def issue_ticket(branch_id: BranchPath, body: IssueRequest, who: Issuer, handlers: HandlersDep) -> TicketView:
    check_branch(who, branch_id)
    record = await handlers.issue_ticket(IssueTicket(branch_id, body.service, body.channel, body.priority))
    return TicketView.of(record, await handlers.store.position(record))


@router.get("/tickets/{ticket_id}", response_model=TicketView, summary="A ticket and its place in line")
async def get_ticket(branch_id: BranchPath, ticket_id: Annotated[Identifier, Path()], who: Reader,
                     handlers: HandlersDep) -> TicketView:
    check_branch(who, branch_id)
    record, position = await handlers.ticket_status(branch_id, ticket_id)
    return TicketView.of(record, position)
