"""Appointments against the real Redis and broker (issue 18 item 4): slots from the staffing plan, booking
(never overbooked under concurrency), check-in to an appointment ticket, late and no-show, the customer's
routes by code, refusals with their reasons.

Every test runs on a fixed day through the app's injected clock: nothing depends on today's date.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import zoneinfo
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from branchops.contracts import encode, new_event, topics
from branchops.contracts.enums import ServiceName
from branchops.contracts.events import PlanInterval, StaffingPlan
from branchops.devstack import TansuBroker
from services.queue.adapters.keys import Keys
from services.queue.domain.appointments import CODE_ALPHABET
from services.queue.domain.errors import DayFull
from tests.conftest import make_platform
from tests.integration.kafka_helpers import produce_raw, wait_for
from tests.integration.test_queue_api import KIOSK, MANAGER, TELLER, Clock, QueueApp, client_for, make_app

pytestmark = pytest.mark.asyncio

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.datetime.now(TZ).date() + dt.timedelta(days=30)  # any day: the app's clock is injected
STARTS = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
SETTINGS: dict[str, object] = {"appointment_handling_min": {"cash": 7.5}}  # 1 cash window = 2 places per slot


def local(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ)


def plan(branch: str, version: int = 1, cash: int = 1, general: int = 1, day: dt.date = DAY) -> StaffingPlan:
    return StaffingPlan(
        branch_id=branch,
        at=local(6, day=day),
        date=day,
        version=version,
        intervals=[
            PlanInterval(start=s, required={}, planned={ServiceName.CASH: cash, ServiceName.GENERAL: general})
            for s in STARTS
        ],
        assignments=[],
        solve_ms=5,
        objective=0.0,
    )


@pytest.fixture
async def q(redis_url: str, session_broker: TansuBroker) -> AsyncIterator[QueueApp]:
    clock = Clock(local(8, 0))
    app = make_app(redis_url, make_platform(session_broker.bootstrap), clock, **SETTINGS)
    async with client_for(app) as client:
        yield QueueApp(app, client, clock)
    await app.state.tickets.store._redis.aclose()


async def apply(q: QueueApp, data: StaffingPlan) -> None:
    await q.app.state.handlers.on_plan(new_event(topics.STAFFING_PLAN, data, source="branchops/staffing/test"))


async def slots(q: QueueApp, service: str = "cash", day: dt.date = DAY) -> dict[str, Any]:
    got = await q.client.get(q.url("/appointments/slots"), params={"service": service, "date": str(day)}, headers=KIOSK)
    assert got.status_code == 200, got.text
    return got.json()


async def book(
    q: QueueApp, start: str = "10:00", service: str = "cash", headers: dict[str, str] = KIOSK, **extra: object
) -> httpx.Response:
    body = {"service": service, "date": str(extra.pop("day", DAY)), "start": start, **extra}
    return await q.client.post(q.url("/appointments"), json=body, headers=headers)


async def booked(q: QueueApp, start: str = "10:00", **extra: Any) -> dict[str, Any]:
    got = await book(q, start, **extra)
    assert got.status_code == 201, got.text
    return got.json()


def refused(response: httpx.Response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["reason"] == reason, response.text


# --- the plan ------------------------------------------------------------------------------------------


async def test_a_plan_from_the_broker_opens_the_days_slots(redis_url: str, session_broker: TansuBroker) -> None:
    clock = Clock(local(8, 0))
    app = make_app(redis_url, make_platform(session_broker.bootstrap), clock, **SETTINGS)
    branch = f"ap-{uuid.uuid4().hex[:8]}"
    url = f"/v1/branches/{branch}/appointments/slots"
    params = {"service": "cash", "date": str(DAY)}
    async with app.router.lifespan_context(app), client_for(app) as client:
        assert (await client.get(url, params=params, headers=KIOSK)).json()["plan_version"] is None
        event = new_event(topics.STAFFING_PLAN, plan(branch, cash=2), source="branchops/staffing/test")
        await produce_raw(session_broker.bootstrap, topics.STAFFING_PLAN.name, [encode(event)], key=branch.encode())

        async def planned() -> bool:
            return (await client.get(url, params=params, headers=KIOSK)).json()["plan_version"] == 1

        await wait_for(planned, timeout_s=30, what="staffing plan consumed")
        got = (await client.get(url, params=params, headers=KIOSK)).json()
    assert got["interval_min"] == 30 and [s["start"] for s in got["slots"]] == STARTS
    assert {s["capacity"] for s in got["slots"]} == {4}  # 2 windows x 30 min / 7.5 min x (1 - 0.5)


async def test_slots_follow_the_newest_plan_and_a_cut_cancels_nobody(q: QueueApp) -> None:
    await apply(q, plan(q.branch, version=1, cash=2, general=1))
    day = await slots(q)
    assert (day["plan_version"], day["interval_min"]) == (1, 30)
    first = day["slots"][0]
    assert (first["start"], first["capacity"], first["free"], first["bookable"]) == ("09:00", 4, 4, True)
    assert dt.datetime.fromisoformat(first["starts_at"]) == local(9)
    assert (await slots(q, "general"))["slots"][0]["capacity"] == 1  # default 10 min: 1.5 -> 1
    assert (await slots(q, "fx"))["slots"][0]["capacity"] == 0  # not planned: nothing to book
    kept = [await booked(q, "09:00") for _ in range(3)]

    await apply(q, plan(q.branch, version=3, cash=0, general=1))  # the cash window is gone at 09:00
    cut = (await slots(q))["slots"][0]
    assert (cut["capacity"], cut["booked"], cut["free"], cut["over_capacity"]) == (0, 3, 0, True)
    refused(await book(q, "09:00"), 409, "slot_full")
    for appointment in kept:  # nobody was cancelled by the new plan
        got = await q.client.get(q.url(f"/appointments/{appointment['appointment_id']}"), headers=TELLER)
        assert got.json()["status"] == "booked"

    await apply(q, plan(q.branch, version=2, cash=5))  # an older version arriving late changes nothing
    assert (await slots(q))["plan_version"] == 3
    await apply(q, plan(q.branch, version=3, cash=5))  # nor does a redelivery of the same version
    assert (await slots(q))["slots"][1]["capacity"] == 0


# --- booking ---------------------------------------------------------------------------------------


async def test_thirty_concurrent_bookings_for_two_places(q: QueueApp) -> None:
    await apply(q, plan(q.branch, cash=1))  # 2 places per cash slot
    answers = await asyncio.gather(*(book(q, "10:30") for _ in range(30)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 2 + [409] * 28
    assert {a.json()["reason"] for a in answers if a.status_code == 409} == {"slot_full"}
    winners = [a.json() for a in answers if a.status_code == 201]
    assert len({w["code"] for w in winners}) == 2 and len({w["appointment_id"] for w in winners}) == 2
    slot = next(s for s in (await slots(q))["slots"] if s["start"] == "10:30")
    assert (slot["capacity"], slot["booked"], slot["free"], slot["over_capacity"]) == (2, 2, 0, False)
    expected = await q.app.state.appointments.expected(q.branch, DAY)
    assert expected == {(ServiceName.CASH, "10:30"): 2}

    # cancelling frees the place, once
    cancel = q.url(f"/appointments/{winners[0]['appointment_id']}/cancel")
    cancelled = await q.client.post(cancel, headers=TELLER)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    refused(await q.client.post(cancel, headers=TELLER), 409, "already_cancelled")
    slot = next(s for s in (await slots(q))["slots"] if s["start"] == "10:30")
    assert (slot["booked"], slot["free"]) == (1, 1)
    again = await asyncio.gather(*(book(q, "10:30") for _ in range(5)))
    assert sorted(a.status_code for a in again) == [201] + [409] * 4
    assert await q.app.state.appointments.expected(q.branch, DAY) == {(ServiceName.CASH, "10:30"): 2}


async def test_a_booking_answers_a_code_and_keeps_the_contact_out_of_sight(q: QueueApp) -> None:
    await apply(q, plan(q.branch))
    got = await book(q, "10:00", headers=TELLER, contact="13812345678")
    assert got.status_code == 201, got.text
    body = got.json()
    assert (body["service"], body["start"], body["status"], body["booked_by"]) == ("cash", "10:00", "booked", "teller")
    assert dt.datetime.fromisoformat(body["starts_at"]) == local(10) and body["has_contact"] is True
    assert len(body["code"]) == 8 and set(body["code"]) <= set(CODE_ALPHABET)
    assert "13812345678" not in got.text
    staff = await q.client.get(q.url(f"/appointments/{body['appointment_id']}"), headers=MANAGER)
    assert staff.json()["code"] == body["code"] and "13812345678" not in staff.text
    store = q.app.state.appointments.store
    redis = store._redis
    key = store.contact_key(q.branch, body["appointment_id"])
    assert await redis.get(key) == b"13812345678"  # as given, for the notification port only
    assert 0 < await redis.ttl(key) <= 16 * 3600  # gone when the appointment's day is over (08:00 -> 24:00)
    notifier = q.app.state.appointments.notifier
    assert notifier.sent[-1] == ("booked", body["appointment_id"], "138****5678")
    await q.client.post(q.url(f"/appointments/{body['appointment_id']}/cancel"), headers=TELLER)
    assert notifier.sent[-1] == ("cancelled", body["appointment_id"], "138****5678")
    quiet = await booked(q, "10:00")
    assert quiet["has_contact"] is False and notifier.sent[-1] == ("booked", quiet["appointment_id"], None)


async def test_bad_bookings_are_refused_with_their_reason(q: QueueApp) -> None:
    await apply(q, plan(q.branch))
    refused(await book(q, "10:00", day=DAY + dt.timedelta(days=1)), 409, "no_plan")
    refused(await book(q, "08:30"), 422, "outside_hours")
    refused(await book(q, "12:00"), 422, "outside_hours")  # the last slot ends at 12:00
    refused(await book(q, "09:10"), 422, "not_a_slot")
    refused(await book(q, "10:00", day=DAY - dt.timedelta(days=1)), 422, "in_the_past")
    q.clock.now = local(10, 5)
    refused(await book(q, "10:00"), 422, "in_the_past")  # the slot has started: take a ticket
    assert (await book(q, "10:30")).status_code == 201
    for bad in (
        await book(q, "10:30", service="loans"),
        await book(q, "9:30"),
        await book(q, "10:30", contact="call me"),
        await book(q, "10:30", name="Zhang"),
        await q.client.post(q.url("/appointments"), json={"service": "cash"}, headers=KIOSK),
    ):
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
    assert (await q.client.get(q.url("/appointments/ap-nope"), headers=TELLER)).status_code == 404
    assert (await q.client.post(q.url("/appointments/ap-nope/cancel"), headers=TELLER)).status_code == 404
    assert (await slots(q, day=DAY + dt.timedelta(days=1)))["slots"] == []  # no plan: nothing to offer
    listed = (await slots(q))["slots"]
    assert [s["bookable"] for s in listed[:4]] == [False, False, False, True]  # 09:00-10:00 have started
    assert listed[2]["free"] == 0


# --- check-in, late and no-show --------------------------------------------------------------------------


async def check_in(q: QueueApp, code: str, headers: dict[str, str] = KIOSK) -> httpx.Response:
    return await q.client.post(q.url("/appointments/check-in"), json={"code": code}, headers=headers)


async def test_check_in_issues_an_appointment_ticket_within_its_window(q: QueueApp) -> None:
    await apply(q, plan(q.branch))
    appointment = await booked(q, "10:00")
    q.clock.now = local(9, 29)
    refused(await check_in(q, appointment["code"]), 409, "too_early")
    q.clock.now = local(9, 40)
    got = await check_in(q, appointment["code"].lower())  # typed in lower case: the same code
    assert got.status_code == 201, got.text
    ticket, after = got.json()["ticket"], got.json()["appointment"]
    assert (ticket["channel"], ticket["service"], ticket["status"]) == ("appointment", "cash", "issued")
    assert dt.datetime.fromisoformat(ticket["joins_at"]) == local(10)  # in line at the slot's start
    assert ticket["token"] and ticket["number"].startswith("A")
    assert (after["status"], after["ticket_id"]) == ("checked_in", ticket["ticket_id"])
    staff = await q.client.get(q.url(f"/appointments/{appointment['appointment_id']}"), headers=TELLER)
    assert staff.json()["status"] == "checked_in" and staff.json()["ticket_id"] == ticket["ticket_id"]
    phone = await q.client.get(f"/v1/public/tickets/{ticket['token']}")
    assert phone.status_code == 200 and phone.json()["number"] == ticket["number"]
    refused(await check_in(q, appointment["code"]), 409, "already_checked_in")
    cancel = q.url(f"/appointments/{appointment['appointment_id']}/cancel")
    refused(await q.client.post(cancel, headers=TELLER), 409, "already_checked_in")
    q.clock.now = local(12)
    staff = await q.client.get(q.url(f"/appointments/{appointment['appointment_id']}"), headers=TELLER)
    assert staff.json()["status"] == "checked_in"  # checked in stays so: no-show is for the ones who never came
    assert await q.app.state.appointments.expected(q.branch, DAY) == {(ServiceName.CASH, "10:00"): 1}


async def test_late_arrivals_and_no_shows(q: QueueApp) -> None:
    await apply(q, plan(q.branch, cash=2))
    on_time, late, never = [await booked(q, "10:00") for _ in range(3)]
    q.clock.now = local(10, 15)  # the end of the allowance: still in
    assert (await check_in(q, on_time["code"], headers=TELLER)).status_code == 201
    q.clock.now = local(10, 16)
    refused(await check_in(q, late["code"]), 409, "too_late")  # the kiosk offers a normal ticket instead
    for appointment in (late, never):
        got = await q.client.get(q.url(f"/appointments/{appointment['appointment_id']}"), headers=TELLER)
        assert got.json()["status"] == "no_show"  # read from the clock; nothing had to run
        public = await q.client.get(f"/v1/public/appointments/{appointment['code']}")
        assert public.json()["status"] == "no_show"
    refused(await q.client.post(f"/v1/public/appointments/{never['code']}/cancel"), 409, "no_show")
    q.clock.now = local(10, 14)  # the clock tells: before the allowance the same appointment is booked
    got = await q.client.get(q.url(f"/appointments/{never['appointment_id']}"), headers=TELLER)
    assert got.json()["status"] == "booked"


# --- the customer's routes by code -----------------------------------------------------------------


async def test_the_customer_reads_and_cancels_by_code(q: QueueApp) -> None:
    await apply(q, plan(q.branch))
    appointment = await booked(q, "11:00", contact="13900001111")
    page = await q.client.get(f"/v1/public/appointments/{appointment['code']}")  # no credential
    assert page.status_code == 200, page.text
    body = page.json()
    assert (body["service"], body["start"], body["status"], body["branch_id"]) == ("cash", "11:00", "booked", q.branch)
    assert dt.datetime.fromisoformat(body["check_in_opens_at"]) == local(10, 30)
    assert dt.datetime.fromisoformat(body["check_in_closes_at"]) == local(11, 15)
    assert not {"appointment_id", "contact", "has_contact", "ticket_id"} & body.keys()
    assert "1111" not in page.text
    dashed = appointment["code"][:4] + "-" + appointment["code"][4:]
    cancelled = await q.client.post(f"/v1/public/appointments/{dashed}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    refused(await q.client.post(f"/v1/public/appointments/{appointment['code']}/cancel"), 409, "already_cancelled")
    refused(await check_in(q, appointment["code"]), 409, "already_cancelled")
    assert next(s for s in (await slots(q))["slots"] if s["start"] == "11:00")["booked"] == 0


async def test_forged_unknown_and_other_branches_codes_get_one_404(q: QueueApp) -> None:
    await apply(q, plan(q.branch))
    mine = await booked(q, "10:00")
    other = QueueApp(q.app, q.client, q.clock)  # another branch of the same queue
    await apply(other, plan(other.branch))
    theirs = await booked(other, "10:00")
    unknown = "".join(reversed(mine["code"])) if mine["code"][::-1] != mine["code"] else "23456789"
    answers = set()
    for code in (unknown, "ABCD0OIL", "nonsense", "x" * 40, "22222222"):
        for method, path in (
            ("GET", f"/v1/public/appointments/{code}"),
            ("POST", f"/v1/public/appointments/{code}/cancel"),
        ):
            got = await q.client.request(method, path)
            assert got.status_code == 404, (code, got.text)
            answers.add((got.json()["title"], got.json()["detail"]))
        got = await check_in(q, code)
        assert got.status_code == 404, got.text
        answers.add((got.json()["title"], got.json()["detail"]))
    got = await check_in(q, theirs["code"])  # a real code, of another branch: not found here
    assert got.status_code == 404
    answers.add((got.json()["title"], got.json()["detail"]))
    assert len(answers) == 1  # one answer: a guess learns nothing
    assert (await q.client.get(f"/v1/public/appointments/{'x' * 41}")).status_code == 422
    still = await q.client.get(f"/v1/public/appointments/{mine['code']}")
    assert still.json()["status"] == "booked"  # the probing changed nothing


async def test_one_ticket_for_concurrent_check_ins_and_none_lost_when_issuing_fails(
    q: QueueApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    await apply(q, plan(q.branch, cash=2))
    twice, unlucky = await booked(q, "10:00"), await booked(q, "10:00")
    q.clock.now = local(9, 50)
    answers = await asyncio.gather(*(check_in(q, twice["code"]) for _ in range(5)))
    assert sorted(a.status_code for a in answers) == [201] + [409] * 4
    assert {a.json()["reason"] for a in answers if a.status_code == 409} == {"already_checked_in"}
    redis = q.app.state.appointments.store._redis
    assert await redis.zcard(Keys(q.branch).scheduled) == 1  # one ticket (joining at 10:00), not five

    async def day_full(*_: object) -> None:
        raise DayFull("all numbers used today")

    monkeypatch.setattr(q.app.state.appointments.tickets, "issue", day_full)
    refused_answer = await check_in(q, unlucky["code"])
    assert refused_answer.status_code == 409, refused_answer.text
    got = await q.client.get(q.url(f"/appointments/{unlucky['appointment_id']}"), headers=TELLER)
    assert got.json()["status"] == "booked"  # no ticket: the appointment is as it was, it may try again
    monkeypatch.undo()
    assert (await check_in(q, unlucky["code"])).status_code == 201
