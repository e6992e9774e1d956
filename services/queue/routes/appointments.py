"""Appointment endpoints of a branch (issue 18 item 4): the day's slots, booking, reading, cancelling and
check-in at the kiosk or the counter. The customer's own routes (by code, no login) are in ``public.py``.

Refusals are problem+json with a ``reason`` the kiosk acts on: ``no_plan``, ``slot_full``, ``outside_hours``,
``not_a_slot``, ``in_the_past``, ``too_early``, ``too_late`` (offer a normal ticket), ``already_cancelled``,
``already_checked_in``, ``no_show``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from branchops.contracts.base import ClockTime
from branchops.contracts.enums import ServiceName
from branchops.web import BranchPath, Problem, check_branch
from branchops.web.roles import AnyRole, KioskTellerManagerService, TellerManagerService
from services.queue.domain.appointments import Appointment, AppointmentStatus, DayCapacity, SlotState
from services.queue.domain.errors import QueueError
from services.queue.routes.deps import AppointmentsDep, IdPath, PhoneDep
from services.queue.routes.problems import status_of
from services.queue.routes.views import TicketView
from services.queue.usecases.appointments import Appointments, BookAppointment

router = APIRouter(prefix="/v1/branches/{branch_id}/appointments", tags=["appointments"])


Contact = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 -]{5,22}[0-9]$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40)]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such appointment"},
    409: {"description": "reason: no_plan, slot_full, too_early, too_late, already_cancelled, already_checked_in"},
    422: {"description": "reason: outside_hours, not_a_slot, in_the_past; or a malformed body"},
}


def refused(error: QueueError) -> Problem:
    """The domain's refusal as problem+json, with its reason when it has one."""
    reason = getattr(error, "reason", None)
    if isinstance(reason, str):
        return Problem(status_of(error), error.title, str(error), reason=reason)
    return Problem(status_of(error), error.title, str(error))


class BookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: ServiceName
    date: dt.date
    start: ClockTime = Field(description="the slot's start, HH:MM branch local time")
    contact: Contact | None = Field(
        None, description="phone number for reminders: kept only for the notification port, masked elsewhere"
    )
    booked_via: Literal["phone"] | None = Field(
        None, description="the gateway's public booking page books for a customer: recorded as booked_by 'phone'"
    )


class CheckInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code


class SlotView(BaseModel):
    start: str
    starts_at: dt.datetime
    capacity: int
    booked: int
    free: int
    over_capacity: bool
    bookable: bool

    @classmethod
    def of(cls, slot: SlotState) -> SlotView:
        return cls(
            start=slot.start,
            starts_at=slot.starts_at,
            capacity=slot.capacity,
            booked=slot.booked,
            free=slot.free if slot.bookable else 0,
            over_capacity=slot.over_capacity,
            bookable=slot.bookable and slot.free > 0,
        )


class SlotsView(BaseModel):
    branch_id: str
    service: ServiceName
    date: dt.date
    plan_version: int | None = Field(description="None: no plan for that day yet (nothing to book)")
    interval_min: int | None
    slots: list[SlotView]

    @classmethod
    def of(
        cls, branch_id: str, service: ServiceName, date: dt.date, day: DayCapacity | None, slots: list[SlotState]
    ) -> SlotsView:
        return cls(
            branch_id=branch_id,
            service=service,
            date=date,
            plan_version=day.version if day else None,
            interval_min=day.interval_min if day else None,
            slots=[SlotView.of(s) for s in slots],
        )


class AppointmentView(BaseModel):
    """Staff's view; the contact is never shown (only whether there is one)."""

    appointment_id: str
    branch_id: str
    code: str
    service: ServiceName
    date: dt.date
    start: str
    starts_at: dt.datetime
    status: AppointmentStatus
    booked_by: str
    has_contact: bool
    created_at: dt.datetime
    ticket_id: str | None
    checked_in_at: dt.datetime | None
    cancelled_at: dt.datetime | None

    @classmethod
    def of(cls, appointment: Appointment, appointments: Appointments) -> AppointmentView:
        a = appointment
        return cls(
            appointment_id=a.appointment_id,
            branch_id=a.branch_id,
            code=a.code,
            service=a.service,
            date=a.date,
            start=a.start,
            starts_at=a.starts_at,
            status=appointments.status(a),
            booked_by=a.booked_by,
            has_contact=a.has_contact,
            created_at=a.created_at,
            ticket_id=a.ticket_id,
            checked_in_at=a.checked_in_at,
            cancelled_at=a.cancelled_at,
        )


class CheckInView(BaseModel):
    appointment: AppointmentView
    ticket: TicketView


@router.get("/slots", response_model=SlotsView, summary="A service's appointment slots of a day, with free places")
async def appointment_slots(
    branch_id: BranchPath,
    who: AnyRole,
    appointments: AppointmentsDep,
    service: Annotated[ServiceName, Query()],
    date: Annotated[dt.date, Query()],
) -> SlotsView:
    check_branch(who, branch_id)
    day, slots = await appointments.slots(branch_id, service, date)
    return SlotsView.of(branch_id, service, date, day, slots)


class ExpectedSlot(BaseModel):
    service: ServiceName
    start: str
    booked: int = Field(description="booked, not checked in yet: comes with the show share")
    checked_in: int = Field(description="checked in: a ticket already, served that day")


class ExpectedView(BaseModel):
    branch_id: str
    date: dt.date
    show_share: float = Field(description="share of booked customers expected to come (learned, else the setting)")
    slots: list[ExpectedSlot]


@router.get(
    "/expected",
    response_model=ExpectedView,
    summary="A day's booked appointments per service and slot, with the show share (staffing plans with them)",
)
async def expected_appointments(
    branch_id: BranchPath, who: AnyRole, appointments: AppointmentsDep, date: Annotated[dt.date, Query()]
) -> ExpectedView:
    check_branch(who, branch_id)
    counts = await appointments.booked_and_checked_in(branch_id, date)
    today = appointments.clock().astimezone(appointments.store.tz).date()
    share = await appointments.show_share(branch_id, min(date, today))  # learned from the days before
    slots = [ExpectedSlot(service=s, start=t, booked=b, checked_in=c) for (s, t), (b, c) in sorted(counts.items())]
    return ExpectedView(branch_id=branch_id, date=date, show_share=round(share, 4), slots=slots)


@router.post("", status_code=201, response_model=AppointmentView, responses=PROBLEMS, summary="Book a place in a slot")
async def book_appointment(
    branch_id: BranchPath, body: BookRequest, who: KioskTellerManagerService, appointments: AppointmentsDep
) -> AppointmentView:
    check_branch(who, branch_id)
    booked_by = body.booked_via if body.booked_via and who.role.value == "service" else who.role.value
    command = BookAppointment(branch_id, body.service, body.date, body.start, booked_by, body.contact)
    try:
        return AppointmentView.of(await appointments.book(command), appointments)
    except QueueError as error:
        raise refused(error) from None


@router.post(
    "/check-in",
    status_code=201,
    response_model=CheckInView,
    responses=PROBLEMS,
    summary="The customer is here: the appointment's ticket (joins the line at the slot's start)",
)
async def check_in(
    branch_id: BranchPath,
    body: CheckInRequest,
    who: KioskTellerManagerService,
    appointments: AppointmentsDep,
    phone: PhoneDep,
) -> CheckInView:
    check_branch(who, branch_id)
    try:
        done = await appointments.check_in(branch_id, body.code)
    except QueueError as error:
        raise refused(error) from None
    token = phone.token(branch_id, done.ticket.ticket_id)
    return CheckInView(
        appointment=AppointmentView.of(done.appointment, appointments),
        ticket=TicketView.of(done.ticket, done.position, done.estimate, token),
    )


@router.get("/{appointment_id}", response_model=AppointmentView, responses=PROBLEMS, summary="An appointment")
async def get_appointment(
    branch_id: BranchPath, appointment_id: IdPath, who: AnyRole, appointments: AppointmentsDep
) -> AppointmentView:
    check_branch(who, branch_id)
    try:
        return AppointmentView.of(await appointments.get(branch_id, appointment_id), appointments)
    except QueueError as error:
        raise refused(error) from None


@router.post(
    "/{appointment_id}/cancel",
    response_model=AppointmentView,
    responses=PROBLEMS,
    summary="Cancel an appointment: its place is free again",
)
async def cancel_appointment(
    branch_id: BranchPath, appointment_id: IdPath, who: TellerManagerService, appointments: AppointmentsDep
) -> AppointmentView:
    check_branch(who, branch_id)
    try:
        return AppointmentView.of(await appointments.cancel(branch_id, appointment_id), appointments)
    except QueueError as error:
        raise refused(error) from None
