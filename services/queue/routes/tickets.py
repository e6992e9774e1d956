"""Ticket endpoints (DESIGN.md section 4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from branchops.contracts.base import ClockTime
from branchops.contracts.enums import Channel, Priority, ServiceName
from branchops.settings import Role
from branchops.web import BranchPath, Principal, Problem, check_branch
from branchops.web.auth import require_roles
from branchops.web.roles import AnyRole, KioskTellerManagerService, TellerManagerHeadOfficeService
from services.queue.domain.directed import OwnWindow, UnknownWindow, WindowNotOpen
from services.queue.domain.errors import QueueError
from services.queue.domain.forms import FormRefused, check_form
from services.queue.domain.lifecycle import Action
from services.queue.domain.tickets import IssueTicket
from services.queue.routes.deps import IdPath, PhoneDep, TicketsDep, WindowsDep
from services.queue.routes.problems import problem, status_of
from services.queue.routes.views import TicketView

router = APIRouter(prefix="/v1/branches/{branch_id}", tags=["tickets"])


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
TellerManager = Annotated[Principal, Depends(require_roles(Role.TELLER, Role.MANAGER))]
STAFF_VIEW = frozenset({Role.TELLER, Role.MANAGER, Role.SERVICE})  # who sees a prepared form unmasked


class FormFields(BaseModel):
    """The typed fields of a prepared form (docs/INTENTS.md slots); unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    date: dt.date | None = None
    date_range: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}/\d{4}-\d{2}-\d{2}$")] | None = None
    time: ClockTime | None = None
    account_last4: Annotated[str, StringConstraints(pattern=r"^\d{4}$")] | None = None
    payee: Text | None = None
    term: Annotated[str, StringConstraints(pattern=r"^P\d{1,2}[DWMY]$")] | None = Field(
        None, description="ISO 8601 duration: P3M, P1Y"
    )
    card_type: Literal["debit", "credit", "social_security"] | None = None
    country: Text | None = None
    bill_type: Text | None = None
    loan_type: Text | None = None
    purpose: Text | None = None
    service: ServiceName | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?\d{6,20}$")] | None = None
    id_number: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dXx]$")] | None = None


class PreparedForm(BaseModel):
    """What the customer already told the digital employee: ``kind`` is the intent (``transfer``...)."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind
    fields: FormFields

    def stored(self) -> dict[str, object]:
        """The form as kept with the ticket (no empty fields); refused past the size bound."""
        form: dict[str, object] = {
            "kind": self.kind,
            "fields": self.fields.model_dump(mode="json", exclude_none=True),
        }
        check_form(form)
        return form


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: ServiceName
    channel: Channel = Channel.KIOSK
    priority: Priority = Priority.NORMAL
    appointment_at: AwareDatetime | None = None
    form: PreparedForm | None = Field(None, description="the digital employee's prepared form (staff see it)")


class FormEdit(BaseModel):
    """A teller's corrections: a value replaces the field, ``null`` removes it."""

    model_config = ConfigDict(extra="forbid")
    window_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    fields: FormFields
    kind: Kind = Field("counter", description="the form's kind when the ticket had none")


FORM_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such ticket"},
    409: {"description": "the ticket is not at this window, or no longer called or served"},
    422: {"description": "reason: form_unknown_field, form_too_large; or a field of the wrong type"},
}


def form_problem(error: FormRefused) -> Problem:
    return Problem(422, error.title, str(error), reason=error.reason)


WindowId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class ActionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: ServiceName | None = None  # transfer: the service it moves to
    window_id: str | None = None  # optional check: the ticket is at this window
    to_window: WindowId | None = Field(
        None, description="transfer: the window it is sent to (only that window calls it, before its lines)"
    )


ACTION_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such ticket or action; reason unknown_window: no such target window"},
    409: {"description": "not allowed in the ticket's status; reason window_not_open: the target window is closed"},
    422: {"description": "reason own_window: a transfer to the window the customer is at; a bad body"},
}


def action_problem(error: QueueError) -> Problem:
    """The refusal as problem+json, with the ``reason`` of a refused transfer to a window."""
    if isinstance(error, (UnknownWindow, WindowNotOpen, OwnWindow)):
        return Problem(status_of(error), error.title, str(error), reason=error.reason)
    return problem(error)


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
        form = body.form.stored() if body.form is not None else None
        record, position, estimate = await tickets.issue(
            IssueTicket(branch_id, body.service, body.channel, body.priority, body.appointment_at, form)
        )
    except FormRefused as error:
        raise form_problem(error) from error
    except QueueError as error:
        raise problem(error) from error
    return TicketView.of(
        record, position, estimate, phone.token(branch_id, record.ticket_id), staff=who.role in STAFF_VIEW
    )


@router.get("/tickets/{ticket_id}", response_model=TicketView, summary="A ticket, its place in line and wait range")
async def get_ticket(
    branch_id: BranchPath, ticket_id: IdPath, who: AnyRole, tickets: TicketsDep, phone: PhoneDep
) -> TicketView:
    check_branch(who, branch_id)
    try:
        record, position, estimate = await tickets.status(branch_id, ticket_id)
    except QueueError as error:
        raise problem(error) from error
    return TicketView.of(record, position, estimate, phone.token(branch_id, ticket_id), staff=who.role in STAFF_VIEW)


@router.patch(
    "/tickets/{ticket_id}/form",
    response_model=TicketView,
    responses=FORM_PROBLEMS,
    summary="A teller corrects the prepared form of the customer at their window",
)
async def edit_form(
    branch_id: BranchPath, ticket_id: IdPath, body: FormEdit, who: TellerManager, tickets: TicketsDep
) -> TicketView:
    check_branch(who, branch_id)
    typed = body.fields.model_dump(mode="json", include=set(body.fields.model_fields_set))
    try:
        record = await tickets.store.edit_form(branch_id, ticket_id, body.window_id, typed, body.kind)
    except FormRefused as error:
        raise form_problem(error) from error
    except QueueError as error:
        raise problem(error) from error
    tickets.changed(branch_id)
    return TicketView.of(record, staff=True)


@router.post(
    "/tickets/{ticket_id}/{action}",
    response_model=TicketView,
    responses=ACTION_PROBLEMS,
    summary="complete, no-show, transfer (to a service or a window), recall, start, abandon or cancel a ticket",
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
    if chosen is Action.TRANSFER and body.service is None and body.to_window is None:
        raise Problem(422, "Invalid request", "a transfer needs the target service or window (to_window) in the body")
    if chosen is not Action.TRANSFER and body.to_window is not None:
        raise Problem(422, "Invalid request", "to_window is only for a transfer")
    try:
        record = await tickets.act(
            branch_id, ticket_id, chosen, service=body.service, window_id=body.window_id, to_window=body.to_window
        )
    except QueueError as error:
        raise action_problem(error) from error
    return TicketView.of(record)


class DirectedView(BaseModel):
    window_id: str
    waiting: int  # tickets sent to this window by another, waiting in its own line


@router.get(
    "/windows/{window_id}/directed",
    response_model=DirectedView,
    summary="How many customers other windows sent to this window wait for it",
)
async def directed_to_window(
    branch_id: BranchPath, window_id: IdPath, who: TellerManagerHeadOfficeService, windows: WindowsDep
) -> DirectedView:
    check_branch(who, branch_id)
    return DirectedView(window_id=window_id, waiting=await windows.store.directed_count(branch_id, window_id))
