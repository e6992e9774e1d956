"""Ticket endpoints (DESIGN.md section 4)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict

from branchops.contracts.enums import Channel, Priority, ServiceName
from branchops.settings import Role
from branchops.web import BranchPath, Problem, check_branch
from branchops.web.roles import AnyRole, KioskTellerManagerService
from services.queue.domain.errors import QueueError
from services.queue.domain.lifecycle import Action
from services.queue.domain.tickets import IssueTicket
from services.queue.routes.deps import IdPath, PhoneDep, TicketsDep
from services.queue.routes.problems import problem
from services.queue.routes.views import TicketView

router = APIRouter(prefix="/v1/branches/{branch_id}", tags=["tickets"])


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: ServiceName
    channel: Channel = Channel.KIOSK
    priority: Priority = Priority.NORMAL
    appointment_at: AwareDatetime | None = None


class ActionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: ServiceName | None = None  # transfer: the service it moves to
    window_id: str | None = None  # optional check: the ticket is at this window


CUSTOMER_ACTIONS = {Action.CANCEL}

_STAFF_CHANNELS = frozenset({Channel.TELLER, Channel.KIOSK, Channel.APPOINTMENT})
CHANNELS_BY_ROLE: dict[Role, frozenset[Channel]] = {
    Role.KIOSK: frozenset({Channel.KIOSK}),
    Role.TELLER: _STAFF_CHANNELS,
    Role.MANAGER: _STAFF_CHANNELS,
}
"""The channels a role may issue through (service credentials: any, e.g. the voice hand-off). The channel
decides which priorities are allowed (``QUEUE_PRIORITY_CHANNELS``), so a kiosk must not claim ``teller``
or ``appointment`` (VIP) or ``voice`` (urgent): at a kiosk a customer may claim elderly or disabled only."""


@router.post("/tickets", status_code=201, response_model=TicketView, summary="Issue a ticket")
async def issue_ticket(
    branch_id: BranchPath, body: IssueRequest, who: KioskTellerManagerService, tickets: TicketsDep, phone: PhoneDep
) -> TicketView:
    check_branch(who, branch_id)
    allowed = CHANNELS_BY_ROLE.get(who.role)
    if allowed is not None and body.channel not in allowed:
        raise Problem(
            403,
            "Forbidden",
            f"a {who.role.value} credential cannot issue {body.channel.value}-channel tickets",
            reason="channel_not_allowed",
        )
    if body.appointment_at is not None and body.channel is not Channel.APPOINTMENT:
        raise Problem(422, "Invalid request", "appointment_at is only for the appointment channel")
    try:
        record, position, estimate = await tickets.issue(
            IssueTicket(branch_id, body.service, body.channel, body.priority, body.appointment_at)
        )
    except QueueError as error:
        raise problem(error) from error
    return TicketView.of(record, position, estimate, phone.token(branch_id, record.ticket_id))


@router.get("/tickets/{ticket_id}", response_model=TicketView, summary="A ticket, its place in line and wait range")
async def get_ticket(
    branch_id: BranchPath, ticket_id: IdPath, who: AnyRole, tickets: TicketsDep, phone: PhoneDep
) -> TicketView:
    check_branch(who, branch_id)
    try:
        record, position, estimate = await tickets.status(branch_id, ticket_id)
    except QueueError as error:
        raise problem(error) from error
    return TicketView.of(record, position, estimate, phone.token(branch_id, ticket_id))


@router.post(
    "/tickets/{ticket_id}/{action}",
    response_model=TicketView,
    summary="complete, no-show, transfer, recall, start, abandon or cancel a ticket",
)
async def act_on_ticket(
    branch_id: BranchPath,
    ticket_id: IdPath,
    action: str,
    who: KioskTellerManagerService,
    tickets: TicketsDep,
    body: ActionRequest | None = None,
) -> TicketView:
    check_branch(who, branch_id)
    try:
        chosen = Action(action)
    except ValueError:
        allowed = ", ".join(a.value for a in Action if a is not Action.CALL)
        raise Problem(404, "Unknown action", f"{action!r} is not one of {allowed}") from None
    if chosen is Action.CALL:
        raise Problem(404, "Unknown action", "tickets are called with POST .../windows/{w}/call-next")
    if chosen not in CUSTOMER_ACTIONS and who.role is Role.KIOSK:
        raise Problem(403, "Forbidden", f"role kiosk may not {chosen.value} a ticket")
    body = body or ActionRequest()
    if chosen is Action.TRANSFER and body.service is None:
        raise Problem(422, "Invalid request", "a transfer needs the target service in the body")
    try:
        record = await tickets.act(branch_id, ticket_id, chosen, service=body.service, window_id=body.window_id)
    except QueueError as error:
        raise problem(error) from error
    return TicketView.of(record)
