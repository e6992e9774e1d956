"""Appointments (issue 18 item 4), pure: slots and their capacity from a staffing plan, confirmation codes,
the time rules of booking and check-in, and an appointment's state as read at a given moment.

A slot is one interval of the day's staffing plan (``staffing.plan.v1``). Its capacity for a service is
the part of the planned windows' time not kept for walk-ins, in whole appointments::

    floor(planned windows x interval minutes / handling minutes x (1 - walk-in share))

A newer plan changes capacities but never cancels a booked appointment: a slot may then hold more than its
capacity (``over_capacity``), and shows 0 free. An appointment not checked in by its start plus the late
allowance reads as ``no_show``; nothing has to run at that moment for it to be so.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum

from branchops.contracts.enums import ServiceName
from branchops.contracts.events import StaffingPlan
from services.queue.domain.errors import Conflict, Invalid, NotFound

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: a code read aloud or typed at a kiosk cannot be mistaken (31 symbols, ~39.6 bits in 8)."""
CODE_LENGTH = 8
CODE_SPACE = len(CODE_ALPHABET) ** CODE_LENGTH
DEFAULT_HANDLING_MIN = 10.0
DEFAULT_INTERVAL_MIN = 15  # the staffing planner's grid, for a plan of a single interval
EPSILON = 1e-9


# --- refusals: each names its reason (the problem's ``reason``) ---------------------------------------


class AppointmentRefused:
    """Mixed into the queue's error kinds: ``reason`` is a stable word the kiosk and the phone page act on."""

    reason = "refused"


class NoPlan(AppointmentRefused, Conflict):
    title = "No plan for that day"
    reason = "no_plan"


class SlotFull(AppointmentRefused, Conflict):
    title = "Slot full"
    reason = "slot_full"


class OutsideHours(AppointmentRefused, Invalid):
    title = "Outside opening hours"
    reason = "outside_hours"


class NotASlot(AppointmentRefused, Invalid):
    title = "Not the start of a slot"
    reason = "not_a_slot"


class InThePast(AppointmentRefused, Invalid):
    title = "In the past"
    reason = "in_the_past"


class TooEarly(AppointmentRefused, Conflict):
    title = "Too early to check in"
    reason = "too_early"


class TooLate(AppointmentRefused, Conflict):
    title = "Too late to check in"
    reason = "too_late"


class NotBooked(AppointmentRefused, Conflict):
    """The appointment is no longer booked: cancelled, checked in or a no-show (its reason says which)."""

    title = "Appointment not open"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnknownAppointment(AppointmentRefused, NotFound):
    title = "Unknown appointment"
    reason = "unknown_appointment"


# --- slots from the plan ---------------------------------------------------------------------------------


def slot_capacity(planned_windows: int, interval_min: float, handling_min: float, walk_in_share: float) -> int:
    """Appointments one slot holds for a service: the windows' minutes not kept for walk-ins, in handlings."""
    if planned_windows <= 0 or interval_min <= 0:
        return 0
    if handling_min <= 0:
        raise ValueError("handling time must be positive")
    if not 0.0 <= walk_in_share <= 1.0:
        raise ValueError("walk-in share must be within 0..1")
    return max(math.floor(planned_windows * interval_min / handling_min * (1.0 - walk_in_share) + EPSILON), 0)


def clock_minutes(text: str) -> int:
    """``"09:30"`` -> 570; raises ``ValueError`` for anything but HH:MM of one day."""
    hours, sep, minutes = text.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError(f"not a HH:MM time: {text!r}")
    value = int(hours) * 60 + int(minutes)
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError(f"not a HH:MM time: {text!r}")
    return value


def clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def interval_minutes(starts: Iterable[str], default: int = DEFAULT_INTERVAL_MIN) -> int:
    """A plan's interval length: the smallest step between its interval starts (``default`` for one)."""
    values = sorted({clock_minutes(s) for s in starts})
    steps = [b - a for a, b in itertools.pairwise(values)]
    return min(steps) if steps else default


@dataclass(frozen=True)
class DayCapacity:
    """The appointment capacity of one branch day, from one version of its staffing plan."""

    date: dt.date
    version: int
    interval_min: int
    starts: tuple[str, ...]  # the slots (the plan's interval starts), in order
    capacity: Mapping[tuple[ServiceName, str], int] = field(default_factory=dict)

    def of(self, service: ServiceName, start: str) -> int:
        return self.capacity.get((service, start), 0)

    def check_slot(self, start: str) -> None:
        """Raises ``OutsideHours`` (not within any interval) or ``NotASlot`` (within one, not at its start)."""
        if start in self.starts:
            return
        minute = clock_minutes(start)
        inside = any(s <= minute < s + self.interval_min for s in (clock_minutes(x) for x in self.starts))
        if inside:
            raise NotASlot(f"{start} is not the start of a slot; slots start at {', '.join(self.starts[:4])}...")
        first = self.starts[0] if self.starts else "-"
        last = clock_text(clock_minutes(self.starts[-1]) + self.interval_min) if self.starts else "-"
        raise OutsideHours(f"{start} is outside the planned hours of {self.date.isoformat()} ({first}-{last})")

    def to_fields(self) -> dict[str, str]:
        """Redis hash fields: meta under ``_``-names, capacity per ``service@HH:MM``."""
        out = {
            "_version": str(self.version),
            "_interval_min": str(self.interval_min),
            "_starts": ",".join(self.starts),
        }
        out.update({slot_field(service, start): str(n) for (service, start), n in self.capacity.items()})
        return out

    @classmethod
    def from_fields(cls, date: dt.date, raw: Mapping[str, str]) -> DayCapacity:
        capacity: dict[tuple[ServiceName, str], int] = {}
        for name, value in raw.items():
            if not name.startswith("_"):
                service, start = parse_slot_field(name)
                capacity[(service, start)] = int(value)
        starts = tuple(s for s in raw.get("_starts", "").split(",") if s)
        return cls(date, int(raw["_version"]), int(raw["_interval_min"]), starts, capacity)


def slot_field(service: ServiceName, start: str) -> str:
    return f"{service.value}@{start}"


def parse_slot_field(name: str) -> tuple[ServiceName, str]:
    service, _, start = name.partition("@")
    return ServiceName(service), start


def capacity_from_plan(
    plan: StaffingPlan, handling_min: Mapping[ServiceName, float], walk_in_share: float
) -> DayCapacity:
    """Every (service, slot) capacity of the plan's day; a service without planned windows in a slot has 0."""
    starts = tuple(sorted({i.start for i in plan.intervals}, key=clock_minutes))
    step = interval_minutes(starts)
    capacity: dict[tuple[ServiceName, str], int] = {}
    for interval in plan.intervals:
        for service, windows in interval.planned.items():
            handling = handling_min.get(service, DEFAULT_HANDLING_MIN)
            capacity[(service, interval.start)] = slot_capacity(windows, step, handling, walk_in_share)
    return DayCapacity(plan.date, plan.version, step, starts, capacity)


@dataclass(frozen=True)
class SlotState:
    start: str
    starts_at: dt.datetime
    capacity: int
    booked: int
    bookable: bool  # not started yet

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def over_capacity(self) -> bool:
        """More booked than the current plan allows (a newer plan cut it; nobody was cancelled)."""
        return self.booked > self.capacity


def slots_of(
    day: DayCapacity,
    service: ServiceName,
    booked: Mapping[tuple[ServiceName, str], int],
    now: dt.datetime,
    tz: dt.tzinfo,
) -> list[SlotState]:
    return [
        SlotState(
            start,
            slot_start(day.date, start, tz),
            day.of(service, start),
            booked.get((service, start), 0),
            slot_start(day.date, start, tz) > now,
        )
        for start in day.starts
    ]


# --- time rules ------------------------------------------------------------------------------------------


def slot_start(date: dt.date, start: str, tz: dt.tzinfo) -> dt.datetime:
    minute = clock_minutes(start)
    return dt.datetime.combine(date, dt.time(minute // 60, minute % 60), tz)


def check_bookable(starts_at: dt.datetime, now: dt.datetime) -> None:
    """Raises ``InThePast`` for a slot that has started (a customer there now takes a ticket)."""
    if starts_at <= now:
        raise InThePast(f"the slot at {starts_at.isoformat()} has already started")


@dataclass(frozen=True)
class CheckInRule:
    early_min: float = 30.0  # check-in opens this long before the start
    late_min: float = 15.0  # and closes this long after it; later reads as a no-show

    def opens(self, starts_at: dt.datetime) -> dt.datetime:
        return starts_at - dt.timedelta(minutes=self.early_min)

    def closes(self, starts_at: dt.datetime) -> dt.datetime:
        return starts_at + dt.timedelta(minutes=self.late_min)

    def check(self, starts_at: dt.datetime, now: dt.datetime) -> None:
        """Raises ``TooEarly`` or ``TooLate`` outside [start - early, start + late]."""
        if now < self.opens(starts_at):
            raise TooEarly(f"check-in opens at {self.opens(starts_at).isoformat()}")
        if now > self.closes(starts_at):
            raise TooLate(f"check-in closed at {self.closes(starts_at).isoformat()}: please take a ticket")


# --- the appointment -------------------------------------------------------------------------------------


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"  # never stored: a booked appointment past its check-in window reads so


_NOT_OPEN = {
    AppointmentStatus.CANCELLED: "already_cancelled",
    AppointmentStatus.CHECKED_IN: "already_checked_in",
    AppointmentStatus.NO_SHOW: "no_show",
}


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    branch_id: str
    service: ServiceName
    date: dt.date
    start: str  # HH:MM local, the slot
    starts_at: dt.datetime  # the slot's start, aware, branch local time
    code: str
    status: AppointmentStatus  # as stored: booked, checked_in or cancelled
    booked_by: str  # the role that booked it: kiosk, teller, manager or service
    created_at: dt.datetime
    has_contact: bool = False
    ticket_id: str | None = None
    checked_in_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None

    def status_at(self, now: dt.datetime, rule: CheckInRule) -> AppointmentStatus:
        if self.status is AppointmentStatus.BOOKED and now > rule.closes(self.starts_at):
            return AppointmentStatus.NO_SHOW
        return self.status

    def check_open(self, now: dt.datetime, rule: CheckInRule) -> None:
        """Raises ``NotBooked`` (its reason: already_cancelled, already_checked_in or no_show)."""
        status = self.status_at(now, rule)
        if status is not AppointmentStatus.BOOKED:
            raise NotBooked(f"appointment is {status.value}", _NOT_OPEN[status])

    def evolve(self, **changes: object) -> Appointment:
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_fields(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, bool):
                out[f.name] = "1" if value else "0"
            elif isinstance(value, dt.datetime | dt.date):
                out[f.name] = value.isoformat()
            else:
                out[f.name] = str(value)
        return out

    @classmethod
    def from_fields(cls, raw: Mapping[str, str]) -> Appointment:
        def when(name: str) -> dt.datetime | None:
            return dt.datetime.fromisoformat(raw[name]) if raw.get(name) else None

        return cls(
            appointment_id=raw["appointment_id"],
            branch_id=raw["branch_id"],
            service=ServiceName(raw["service"]),
            date=dt.date.fromisoformat(raw["date"]),
            start=raw["start"],
            starts_at=dt.datetime.fromisoformat(raw["starts_at"]),
            code=raw["code"],
            status=AppointmentStatus(raw["status"]),
            booked_by=raw["booked_by"],
            created_at=dt.datetime.fromisoformat(raw["created_at"]),
            has_contact=raw.get("has_contact") == "1",
            ticket_id=raw.get("ticket_id") or None,
            checked_in_at=when("checked_in_at"),
            cancelled_at=when("cancelled_at"),
        )


def booked_per_slot(appointments: Iterable[Appointment]) -> dict[tuple[ServiceName, str], int]:
    """Appointments expected per (service, slot start): booked or checked in, whatever the hour now (the
    arrivals forecast of a future day adds them to its walk-ins)."""
    live = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
    return dict(Counter((a.service, a.start) for a in appointments if a.status in live))


# --- codes and contacts ----------------------------------------------------------------------------------


def code_from_int(number: int) -> str:
    """The code of ``number`` in ``0..CODE_SPACE-1`` (the caller draws it with ``secrets.randbelow``)."""
    if not 0 <= number < CODE_SPACE:
        raise ValueError("code number out of range")
    digits = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    return "".join(digits)


def normalize_code(text: str) -> str | None:
    """A typed or scanned code as stored (upper case, spaces and dashes dropped); None if it cannot be one."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def mask_contact(contact: str) -> str:
    """What logs and events may show of a phone number: ``138****5678`` (never the whole number)."""
    digits = [ch for ch in contact if ch.isdigit()]
    if len(digits) < 7:
        return "*" * len(digits)
    return "".join(digits[:3]) + "*" * (len(digits) - 7) + "".join(digits[-4:])
