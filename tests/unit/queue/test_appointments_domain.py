"""Appointments' pure rules (issue 18 item 4): capacity from a plan, slots, codes, time rules and states.

Fixed dates and times only: nothing here depends on today.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from branchops.contracts.enums import ServiceName
from branchops.contracts.events import PlanInterval, StaffingPlan
from services.queue.domain.appointments import (
    CODE_ALPHABET,
    CODE_LENGTH,
    CODE_SPACE,
    Appointment,
    AppointmentStatus,
    CheckInRule,
    DayCapacity,
    InThePast,
    NotASlot,
    NotBooked,
    OutsideHours,
    TooEarly,
    TooLate,
    booked_per_slot,
    capacity_from_plan,
    check_bookable,
    clock_minutes,
    code_from_int,
    interval_minutes,
    mask_contact,
    normalize_code,
    slot_capacity,
    slot_start,
    slots_of,
)

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2030, 3, 12)
CASH, GENERAL, FX = ServiceName.CASH, ServiceName.GENERAL, ServiceName.FX


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ)


def plan(version: int = 1, cash: tuple[int, ...] = (2, 1, 0), general: int = 1) -> StaffingPlan:
    starts = ["09:00", "09:30", "10:00"]
    return StaffingPlan(
        branch_id="b1",
        at=at(6),
        date=DAY,
        version=version,
        intervals=[
            PlanInterval(start=s, required={}, planned={CASH: n, GENERAL: general})
            for s, n in zip(starts, cash, strict=True)
        ],
        assignments=[],
        solve_ms=1,
        objective=0.0,
    )


@pytest.mark.parametrize(
    ("windows", "interval", "handling", "share", "expected"),
    [
        (2, 30, 10, 0.5, 3),  # 60 window-minutes, half for walk-ins: 3 appointments of 10 min
        (1, 30, 10, 0.5, 1),  # 1.5 -> 1: never a fraction of a customer
        (3, 15, 6, 0.5, 3),  # 3.75 -> 3
        (2, 30, 10, 0.0, 6),
        (2, 30, 10, 1.0, 0),  # everything kept for walk-ins
        (0, 30, 10, 0.5, 0),
        (3, 30, 10, 0.7, 2),  # 2.7 -> 2 (0.3 x 9 is 2.7000000000000006 in floats: still 2)
        (1, 30, 10, 0.4, 1),  # 1.8
        (1, 20, 10, 0.5, 1),  # exactly 1 (no float shortfall to 0)
    ],
)
def test_slot_capacity_is_the_windows_time_not_kept_for_walk_ins(
    windows: int, interval: int, handling: float, share: float, expected: int
) -> None:
    assert slot_capacity(windows, interval, handling, share) == expected


def test_slot_capacity_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        slot_capacity(1, 30, 0, 0.5)
    with pytest.raises(ValueError):
        slot_capacity(1, 30, 10, 1.5)


def test_capacity_from_a_plan_per_service_and_interval() -> None:
    day = capacity_from_plan(plan(), {CASH: 5.0}, 0.5)
    assert (day.date, day.version, day.interval_min, day.starts) == (DAY, 1, 30, ("09:00", "09:30", "10:00"))
    assert [day.of(CASH, s) for s in day.starts] == [6, 3, 0]  # 2x30/5x0.5, 1x30/5x0.5, no window
    assert [day.of(GENERAL, s) for s in day.starts] == [1, 1, 1]  # default 10 min: 1.5 -> 1
    assert day.of(FX, "09:00") == 0  # not planned at all: no place


def test_interval_length_from_the_plans_starts() -> None:
    assert interval_minutes(["09:00", "09:15", "09:30"]) == 15
    assert interval_minutes(["13:00", "09:00", "09:30"]) == 30  # a closed lunch hour does not lengthen slots
    assert interval_minutes(["09:00"]) == 15  # the planner's grid for a single interval
    with pytest.raises(ValueError):
        clock_minutes("9:00")
    with pytest.raises(ValueError):
        clock_minutes("24:00")


def test_day_capacity_round_trips_through_redis_fields() -> None:
    day = capacity_from_plan(plan(version=4), {}, 0.5)
    again = DayCapacity.from_fields(DAY, day.to_fields())
    assert again == day


def test_slots_outside_hours_and_not_a_slot_start() -> None:
    day = capacity_from_plan(plan(), {}, 0.5)
    day.check_slot("09:30")
    with pytest.raises(OutsideHours) as outside:
        day.check_slot("10:30")  # the last interval ends at 10:30
    assert outside.value.reason == "outside_hours"
    with pytest.raises(OutsideHours):
        day.check_slot("08:45")
    with pytest.raises(NotASlot) as between:
        day.check_slot("09:10")
    assert between.value.reason == "not_a_slot"


def test_slots_show_free_places_and_over_capacity_after_a_cut() -> None:
    day = capacity_from_plan(plan(version=2, cash=(1, 1, 1)), {}, 0.5)  # capacity 1 each
    booked = {(CASH, "09:00"): 3, (CASH, "09:30"): 1}  # 3 booked under the old plan
    slots = slots_of(day, CASH, booked, at(9, 10), TZ)
    first, second, third = slots
    assert (first.capacity, first.booked, first.free, first.over_capacity) == (1, 3, 0, True)
    assert (second.free, second.over_capacity, third.free) == (0, False, 1)
    assert first.bookable is False and second.bookable is True  # 09:00 has started at 09:10
    assert first.starts_at == at(9) and first.starts_at.utcoffset() == dt.timedelta(hours=8)


def test_booking_a_started_slot_is_in_the_past() -> None:
    check_bookable(at(10), at(9, 59))
    with pytest.raises(InThePast) as past:
        check_bookable(at(10), at(10))
    assert past.value.reason == "in_the_past"
    with pytest.raises(InThePast):
        check_bookable(slot_start(DAY, "09:00", TZ), at(9, 0, DAY + dt.timedelta(days=1)))


def test_check_in_window_early_and_late() -> None:
    rule = CheckInRule(early_min=30, late_min=15)
    start = at(10)
    with pytest.raises(TooEarly) as early:
        rule.check(start, at(9, 29))
    assert early.value.reason == "too_early"
    for ok in (at(9, 30), at(10), at(10, 15)):
        rule.check(start, ok)
    with pytest.raises(TooLate) as late:
        rule.check(start, at(10, 15) + dt.timedelta(seconds=1))
    assert late.value.reason == "too_late"


def appointment(status: AppointmentStatus = AppointmentStatus.BOOKED, start: str = "10:00") -> Appointment:
    return Appointment(
        appointment_id="ap-1",
        branch_id="b1",
        service=CASH,
        date=DAY,
        start=start,
        starts_at=slot_start(DAY, start, TZ),
        code="ABCD2345",
        status=status,
        booked_by="kiosk",
        created_at=at(8),
        has_contact=True,
    )


def test_no_show_is_read_from_the_clock_not_stored() -> None:
    rule = CheckInRule(early_min=30, late_min=15)
    booked = appointment()
    assert booked.status_at(at(10, 15), rule) is AppointmentStatus.BOOKED
    assert booked.status_at(at(10, 16), rule) is AppointmentStatus.NO_SHOW
    assert booked.to_fields()["status"] == "booked"
    checked = appointment(AppointmentStatus.CHECKED_IN)
    assert checked.status_at(at(12), rule) is AppointmentStatus.CHECKED_IN  # only booked ones lapse
    with pytest.raises(NotBooked) as lapsed:
        booked.check_open(at(11), rule)
    assert lapsed.value.reason == "no_show"
    with pytest.raises(NotBooked) as cancelled:
        appointment(AppointmentStatus.CANCELLED).check_open(at(9), rule)
    assert cancelled.value.reason == "already_cancelled"


def test_an_appointment_round_trips_through_redis_fields() -> None:
    done = appointment().evolve(status=AppointmentStatus.CHECKED_IN, ticket_id="t-1", checked_in_at=at(9, 50))
    assert Appointment.from_fields(done.to_fields()) == done


def test_booked_per_slot_counts_what_the_forecast_can_expect() -> None:
    rows = [
        appointment(),
        appointment(),
        appointment(AppointmentStatus.CHECKED_IN),
        appointment(AppointmentStatus.CANCELLED),
        appointment(start="09:30"),
    ]
    assert booked_per_slot(rows) == {(CASH, "10:00"): 3, (CASH, "09:30"): 1}


def test_codes_use_the_unambiguous_alphabet_and_cover_the_space() -> None:
    assert set(CODE_ALPHABET).isdisjoint("01OIL")
    codes = {code_from_int(n) for n in (0, 1, CODE_SPACE // 2, CODE_SPACE - 1)}
    assert len(codes) == 4 and all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert code_from_int(0) == CODE_ALPHABET[0] * CODE_LENGTH
    assert CODE_SPACE > 8 * 10**11  # ~2^39.6: guessing one of a day's codes is hopeless behind rate limits
    with pytest.raises(ValueError):
        code_from_int(CODE_SPACE)


def test_typed_codes_are_normalized_and_junk_is_refused() -> None:
    assert normalize_code(" abcd-2345 ") == "ABCD2345"
    for junk in ("ABCD234", "ABCD23450", "ABCD0345", "ABCDI345", "", "ÄBCD2345", "ABCD 234 5X"):
        assert normalize_code(junk) is None, junk


def test_contacts_are_masked() -> None:
    assert mask_contact("13812345678") == "138****5678"
    assert mask_contact("+86 138-1234-5678") == "861******5678"
    assert "12345678" not in mask_contact("13812345678")
    assert mask_contact("12345") == "*****"
