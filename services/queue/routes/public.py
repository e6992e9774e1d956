"""The customer's phone page data, behind the ticket's token: no login, no personal data (issue 18 item 3).

``GET /v1/public/tickets/{token}`` and ``POST /v1/public/tickets/{token}/cancel``. The gateway relays them
to the public page and rate-limits them per client address; a forged, guessed or expired token gets the
same 404 as a ticket that is gone.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict

from branchops.contracts.enums import ServiceName, TicketStatus
from branchops.web import Problem
from services.queue.domain.appointments import Appointment, AppointmentStatus
from services.queue.domain.errors import QueueError
from services.queue.domain.lifecycle import FINAL
from services.queue.routes.appointments import Contact, refused
from services.queue.routes.deps import AppointmentsDep, NoticesDep, PhoneDep
from services.queue.routes.problems import problem
from services.queue.routes.views import WaitRange
from services.queue.usecases.appointments import Appointments
from services.queue.usecases.phone_tickets import PhoneStatus, PhoneTickets

router = APIRouter(prefix="/v1/public/tickets", tags=["phone ticket page"])
TokenPath = Annotated[str, Path(min_length=1, max_length=400, description="the ticket's token (from its QR code)")]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such ticket: a wrong or forged link, or the ticket's day is over (one answer for all)"},
    409: {"description": "cancel: the ticket was already called or is done"},
}


class PhoneTicketView(BaseModel):
    """What the phone page shows: the number, never who holds it."""

    branch_id: str
    number: str
    service: ServiceName
    status: TicketStatus
    issued_at: dt.datetime
    position: int | None
    wait: WaitRange | None
    window_id: str | None
    near: bool
    near_people: int
    near_minutes: float

    @classmethod
    def of(cls, status: PhoneStatus, phone: PhoneTickets) -> PhoneTicketView:
        record = status.ticket
        return cls(
            branch_id=record.branch_id,
            number=record.number,
            service=record.service,
            status=record.status,
            issued_at=record.issued_at,
            position=status.position,
            wait=WaitRange.of(status.estimate),
            window_id=record.window_id,
            near=status.near,
            near_people=phone.rule.people,
            near_minutes=phone.rule.minutes,
        )


@router.get("/{token}", response_model=PhoneTicketView, responses=PROBLEMS, summary="A ticket seen from its QR code")
async def phone_ticket(token: TokenPath, phone: PhoneDep) -> PhoneTicketView:
    try:
        return PhoneTicketView.of(await phone.status(token), phone)
    except QueueError as error:
        raise problem(error) from None


@router.post(
    "/{token}/cancel", response_model=PhoneTicketView, responses=PROBLEMS, summary="The customer gives up the ticket"
)
async def cancel_phone_ticket(token: TokenPath, phone: PhoneDep) -> PhoneTicketView:
    try:
        await phone.cancel(token)
        return PhoneTicketView.of(await phone.status(token), phone)
    except QueueError as error:
        raise problem(error) from None


class LeaveContact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Contact
    lang: Literal["zh", "en"] = "zh"


@router.put(
    "/{token}/contact",
    status_code=204,
    responses=PROBLEMS,
    summary="Leave a number: 'your turn is near' and the calling window are sent to it (kept until the day ends)",
)
async def leave_contact(token: TokenPath, body: LeaveContact, phone: PhoneDep, notices: NoticesDep) -> Response:
    try:
        ticket = await phone.ticket_of(token)
    except QueueError as error:
        raise problem(error) from None
    if ticket.status in FINAL:
        raise Problem(409, "Conflict", "the ticket is finished: there is nothing left to tell", reason="ticket_final")
    await notices.leave(ticket.branch_id, ticket.ticket_id, body.phone, body.lang)
    return Response(status_code=204)


@router.delete("/{token}/contact", status_code=204, responses=PROBLEMS, summary="Take the number back")
async def forget_contact(token: TokenPath, phone: PhoneDep, notices: NoticesDep) -> Response:
    try:
        ticket = await phone.ticket_of(token)
    except QueueError as error:
        raise problem(error) from None
    await notices.forget(ticket.branch_id, ticket.ticket_id)
    return Response(status_code=204)


# --- appointments by their confirmation code (issue 18 item 4) -----------------------------------------

appointments_router = APIRouter(prefix="/v1/public/appointments", tags=["appointment by code"])
CodePath = Annotated[str, Path(min_length=1, max_length=40, description="the confirmation code (or its QR code)")]
APPOINTMENT_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such appointment: a wrong or forged code, or its day is over (one answer for all)"},
    409: {"description": "cancel: already cancelled, checked in or a no-show (reason says which)"},
}


class PublicAppointmentView(BaseModel):
    """What the customer's page shows of an appointment: where and when, never who."""

    branch_id: str
    code: str
    service: ServiceName
    date: dt.date
    start: str
    starts_at: dt.datetime
    status: AppointmentStatus
    check_in_opens_at: dt.datetime
    check_in_closes_at: dt.datetime

    @classmethod
    def of(cls, appointment: Appointment, appointments: Appointments) -> PublicAppointmentView:
        rule = appointments.rules.check_in
        return cls(
            branch_id=appointment.branch_id,
            code=appointment.code,
            service=appointment.service,
            date=appointment.date,
            start=appointment.start,
            starts_at=appointment.starts_at,
            status=appointments.status(appointment),
            check_in_opens_at=rule.opens(appointment.starts_at),
            check_in_closes_at=rule.closes(appointment.starts_at),
        )


@appointments_router.get(
    "/{code}", response_model=PublicAppointmentView, responses=APPOINTMENT_PROBLEMS, summary="An appointment by code"
)
async def public_appointment(code: CodePath, appointments: AppointmentsDep) -> PublicAppointmentView:
    try:
        return PublicAppointmentView.of(await appointments.by_code(code), appointments)
    except QueueError as error:
        raise refused(error) from None


@appointments_router.post(
    "/{code}/cancel",
    response_model=PublicAppointmentView,
    responses=APPOINTMENT_PROBLEMS,
    summary="The customer cancels the appointment",
)
async def cancel_public_appointment(code: CodePath, appointments: AppointmentsDep) -> PublicAppointmentView:
    try:
        return PublicAppointmentView.of(await appointments.cancel_by_code(code), appointments)
    except QueueError as error:
        raise refused(error) from None
