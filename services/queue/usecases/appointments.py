"""Appointment use cases (issue 18 item 4): capacity from the staffing plan, the slots of a day, booking,
cancelling, check-in to a ticket, the public view by code, and the appointments a day expects.

Refusals are domain errors with a ``reason`` (``services.queue.domain.appointments``); the routes answer them
as problem+json. The customer is told of a booking or cancellation through the ``AppointmentNotifier`` port;
a failing notifier never undoes what was done.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from branchops.contracts.enums import Channel, Priority, ServiceName
from branchops.contracts.events import StaffingPlan
from services.queue.adapters.appointment_store import AppointmentStore
from services.queue.domain.appointments import (
    CODE_SPACE,
    Appointment,
    AppointmentStatus,
    CheckInRule,
    DayCapacity,
    NoPlan,
    NotBooked,
    SlotFull,
    SlotState,
    UnknownAppointment,
    booked_per_slot,
    capacity_from_plan,
    check_bookable,
    code_from_int,
    mask_contact,
    normalize_code,
    slot_start,
    slots_of,
)
from services.queue.domain.arrivals import learned_show_share
from services.queue.domain.predict import Estimate
from services.queue.domain.tickets import IssueTicket, TicketRecord
from services.queue.usecases.clock import Clock, utc_now
from services.queue.usecases.tickets import Tickets

log = logging.getLogger("branchops.queue.appointments")
GONE = "no such appointment (the code is wrong, or the appointment's day is over)"
CODE_ATTEMPTS = 8


class AppointmentNotifier(Protocol):
    """Tells the customer (when they left a number) that an appointment was booked or cancelled."""

    async def booked(self, appointment: Appointment, contact: str | None) -> None: ...

    async def cancelled(self, appointment: Appointment, contact: str | None) -> None: ...

    async def reminder(self, appointment: Appointment, contact: str | None) -> None: ...


@dataclass(frozen=True)
class AppointmentRules:
    walk_in_share: float = 0.5
    handling_min: Mapping[ServiceName, float] = field(default_factory=dict)  # default 10 min for any other
    check_in: CheckInRule = field(default_factory=CheckInRule)
    show_share: float = 0.9  # the prior share of booked customers who come (learned from the past days)


@dataclass(frozen=True)
class BookAppointment:
    branch_id: str
    service: ServiceName
    date: dt.date
    start: str  # HH:MM local
    booked_by: str  # the caller's role
    contact: str | None = None


@dataclass(frozen=True)
class CheckedIn:
    appointment: Appointment
    ticket: TicketRecord
    position: int | None
    estimate: Estimate


def _draw() -> int:
    return secrets.randbelow(CODE_SPACE)


@dataclass
class Appointments:
    store: AppointmentStore
    tickets: Tickets
    rules: AppointmentRules
    notifier: AppointmentNotifier
    clock: Clock = utc_now
    draw: Callable[[], int] = _draw  # a code's number, uniform in 0..CODE_SPACE-1
    _shares: dict[str, tuple[dt.date, float]] = field(default_factory=dict)  # per branch, learned once a day

    # --- the plan --------------------------------------------------------------------------------------

    async def apply_plan(self, plan: StaffingPlan) -> bool:
        """Capacity of the plan's day from the plan; an older or repeated version changes nothing (False).
        Booked appointments stay whatever the new capacity (a slot may be over capacity)."""
        day = capacity_from_plan(plan, self.rules.handling_min, self.rules.walk_in_share)
        kept = await self.store.put_plan(plan.branch_id, day, self.clock())
        if kept:
            log.info("appointment capacity of %s %s from plan v%d", plan.branch_id, plan.date, plan.version)
        return kept

    async def slots(
        self, branch_id: str, service: ServiceName, date: dt.date
    ) -> tuple[DayCapacity | None, list[SlotState]]:
        """(the day's capacity or None without a plan, the service's slots with their free places)."""
        day = await self.store.plan(branch_id, date)
        if day is None:
            return None, []
        booked = await self.store.booked(branch_id, date)
        return day, slots_of(day, service, booked, self.clock(), self.store.tz)

    async def expected(self, branch_id: str, date: dt.date) -> dict[tuple[ServiceName, str], int]:
        """Appointments per (service, slot start) of a day, booked or checked in: arrivals the forecast of
        that day can count on (staffing adds them to its walk-in forecast)."""
        return booked_per_slot(await self.store.of_day(branch_id, date))

    async def booked_and_checked_in(
        self, branch_id: str, date: dt.date
    ) -> dict[tuple[ServiceName, str], tuple[int, int]]:
        """Per (service, slot start) of a day: (booked and not checked in yet, checked in). Staffing plans the
        day with them: a checked-in customer is coming for sure, a booked one with the show share."""
        counts: dict[tuple[ServiceName, str], tuple[int, int]] = {}
        for a in await self.store.of_day(branch_id, date):
            booked, checked = counts.get((a.service, a.start), (0, 0))
            if a.status is AppointmentStatus.BOOKED:
                counts[(a.service, a.start)] = (booked + 1, checked)
            elif a.status is AppointmentStatus.CHECKED_IN:
                counts[(a.service, a.start)] = (booked, checked + 1)
        return counts

    async def still_expected(self, branch_id: str, date: dt.date) -> dict[str, int]:
        """Booked appointments of a day whose customer has not checked in yet, per slot start (all services):
        the arrivals still to come that the queue's forecast adds (a checked-in one is a ticket already)."""
        counts: dict[str, int] = {}
        for a in await self.store.of_day(branch_id, date):
            if a.status is AppointmentStatus.BOOKED:
                counts[a.start] = counts.get(a.start, 0) + 1
        return counts

    async def show_share(self, branch_id: str, today: dt.date, days: int = 3) -> float:
        """The share of booked customers who come, from the past ``days`` days' appointments still kept
        (checked in against no-shows; cancelled ones say nothing), shrunk toward ``rules.show_share``."""
        kept = self._shares.get(branch_id)
        if kept is not None and kept[0] == today:
            return kept[1]
        now = self.clock()
        showed = no_shows = 0
        for back in range(1, days + 1):
            for a in await self.store.of_day(branch_id, today - dt.timedelta(days=back)):
                status = a.status_at(now, self.rules.check_in)
                showed += status is AppointmentStatus.CHECKED_IN
                no_shows += status is AppointmentStatus.NO_SHOW
        share = learned_show_share(showed, no_shows, self.rules.show_share)
        if len(self._shares) > 10_000:
            self._shares.clear()
        self._shares[branch_id] = (today, share)
        return share

    # --- booking ---------------------------------------------------------------------------------------

    async def book(self, command: BookAppointment) -> Appointment:
        """Raises ``InThePast``, ``NoPlan``, ``OutsideHours``, ``NotASlot`` or ``SlotFull``."""
        now = self.clock()
        starts_at = slot_start(command.date, command.start, self.store.tz)
        check_bookable(starts_at, now)
        day = await self.store.plan(command.branch_id, command.date)
        if day is None:
            raise NoPlan(f"no staffing plan for {command.date.isoformat()} yet: appointments open with it")
        day.check_slot(command.start)
        appointment = Appointment(
            appointment_id=f"ap-{uuid.uuid4().hex[:16]}",
            branch_id=command.branch_id,
            service=command.service,
            date=command.date,
            start=command.start,
            starts_at=starts_at,
            code="",
            status=AppointmentStatus.BOOKED,
            booked_by=command.booked_by,
            created_at=now,
            has_contact=bool(command.contact),
        )
        appointment = appointment.evolve(code=await self._reserve_code(appointment, now))
        outcome = await self.store.book(appointment, command.contact, now)
        if outcome != "ok":
            await self.store.release_code(appointment.code)
            if outcome == "no_plan":
                raise NoPlan(f"no staffing plan for {command.date.isoformat()}")
            raise SlotFull(f"no free place for {command.service.value} at {command.start} on {command.date}")
        log.info(
            "appointment %s booked by %s: %s %s %s, contact %s",
            appointment.appointment_id,
            command.booked_by,
            command.service.value,
            command.date.isoformat(),
            command.start,
            mask_contact(command.contact) if command.contact else "none",
        )
        await self._tell("booked", appointment, command.contact)
        return appointment

    async def _reserve_code(self, appointment: Appointment, now: dt.datetime) -> str:
        ttl_s = self.store.keep_s(appointment.date, now)
        for _ in range(CODE_ATTEMPTS):
            code = code_from_int(self.draw())
            if await self.store.reserve_code(code, appointment.branch_id, appointment.appointment_id, ttl_s):
                return code
        raise RuntimeError("no free confirmation code after several draws")  # 31**8 codes: never in practice

    # --- reading and cancelling ------------------------------------------------------------------------

    def status(self, appointment: Appointment) -> AppointmentStatus:
        """As the customer sees it now: ``no_show`` once the check-in window has passed unused."""
        return appointment.status_at(self.clock(), self.rules.check_in)

    async def get(self, branch_id: str, appointment_id: str) -> Appointment:
        appointment = await self.store.get(branch_id, appointment_id)
        if appointment is None:
            raise UnknownAppointment(f"no appointment {appointment_id} in branch {branch_id}")
        return appointment

    async def cancel(self, branch_id: str, appointment_id: str) -> Appointment:
        """Gives the place back (once); raises ``UnknownAppointment`` or ``NotBooked`` (409)."""
        return await self._cancel(await self.get(branch_id, appointment_id))

    async def _cancel(self, appointment: Appointment) -> Appointment:
        now = self.clock()
        appointment.check_open(now, self.rules.check_in)
        outcome = await self.store.move(
            appointment,
            AppointmentStatus.BOOKED,
            AppointmentStatus.CANCELLED,
            release=True,
            changes={"cancelled_at": now.isoformat()},
        )
        self._moved(outcome, appointment)
        cancelled = appointment.evolve(status=AppointmentStatus.CANCELLED, cancelled_at=now)
        await self._tell("cancelled", cancelled, await self.store.contact(appointment))
        return cancelled

    def _moved(self, outcome: str, appointment: Appointment) -> None:
        """Raises ``NotBooked`` when a concurrent change got there first (cancelled or checked in)."""
        if outcome == "ok":
            return
        if outcome == "missing":
            raise UnknownAppointment(f"no appointment {appointment.appointment_id}")
        found = AppointmentStatus(outcome)
        raise NotBooked(f"appointment is {found.value}", f"already_{found.value}")

    # --- by code (the customer's page, the kiosk) ------------------------------------------------------

    async def by_code(self, code: str, branch_id: str | None = None) -> Appointment:
        """The appointment of a code (of ``branch_id`` when given); a malformed, unknown or other branch's
        code is one ``UnknownAppointment`` with the same words."""
        normalized = normalize_code(code)
        appointment = await self.store.by_code(normalized) if normalized else None
        if appointment is None or (branch_id is not None and appointment.branch_id != branch_id):
            raise UnknownAppointment(GONE)
        return appointment

    async def cancel_by_code(self, code: str) -> Appointment:
        return await self._cancel(await self.by_code(code))

    async def check_in(self, branch_id: str, code: str) -> CheckedIn:
        """The customer is here: an appointment-channel ticket that joins the line at the slot's start.

        Raises ``UnknownAppointment``, ``TooEarly``, ``TooLate`` (the kiosk then offers a normal ticket) or
        ``NotBooked`` (already checked in or cancelled)."""
        appointment = await self.by_code(code, branch_id)
        now = self.clock()
        if appointment.status is AppointmentStatus.BOOKED:
            self.rules.check_in.check(appointment.starts_at, now)
        appointment.check_open(now, self.rules.check_in)
        claimed = await self.store.move(
            appointment,
            AppointmentStatus.BOOKED,
            AppointmentStatus.CHECKED_IN,
            changes={"checked_in_at": now.isoformat()},
        )
        self._moved(claimed, appointment)
        command = IssueTicket(
            branch_id, appointment.service, Channel.APPOINTMENT, Priority.NORMAL, appointment.starts_at
        )
        try:
            ticket, position, estimate = await self.tickets.issue(command)
        except BaseException:
            await self.store.move(appointment, AppointmentStatus.CHECKED_IN, AppointmentStatus.BOOKED)
            raise
        await self.store.set_fields(appointment, {"ticket_id": ticket.ticket_id})
        checked = appointment.evolve(status=AppointmentStatus.CHECKED_IN, checked_in_at=now, ticket_id=ticket.ticket_id)
        log.info("appointment %s checked in: ticket %s", appointment.appointment_id, ticket.number)
        return CheckedIn(checked, ticket, position, estimate)

    async def _tell(self, what: str, appointment: Appointment, contact: str | None) -> None:
        try:
            if what == "booked":
                await self.notifier.booked(appointment, contact)
            else:
                await self.notifier.cancelled(appointment, contact)
        except Exception:  # the booking stands; the reminder is best effort
            log.exception("appointment %s: the notifier failed (%s)", appointment.appointment_id, what)
