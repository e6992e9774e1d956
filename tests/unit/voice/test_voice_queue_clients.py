"""The voice service's clients of the queue's HTTP API (an httpx transport stands in for the queue): a form
the queue refuses still gets the customer a ticket; refusals of a booking keep their reason; a queue that
cannot answer is told apart from a ticket it does not know."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import httpx
import pytest

from services.voice.adapters.appointment_client import AppointmentClient, Booked, Refused
from services.voice.adapters.queue_client import QueueClient, QueueUnavailable

FORM = {"kind": "transfer", "fields": {"amount": "3500.00", "currency": "CNY"}}


def client(handler: httpx.MockTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=handler)


def test_a_refused_form_still_gets_a_ticket_without_it() -> None:
    sent: list[dict[str, object]] = []

    def queue(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body)
        if "form" in body:
            return httpx.Response(422, json={"detail": "body.form.fields.colour: Extra inputs are not permitted"})
        return httpx.Response(201, json={"ticket_id": "t-1", "number": "B001", "service": "general", "position": 1})

    async def run() -> None:
        async with client(httpx.MockTransport(queue)) as http:
            issued = await QueueClient(http, "http://queue", "k", priority="urgent").issue(
                "b1", "general", handoff=False, form=FORM
            )
            assert issued is not None and issued.number == "B001" and issued.ticket_id == "t-1"
            assert issued.has_form is False

    asyncio.run(run())
    assert [("form" in b) for b in sent] == [True, False]


def test_status_tells_an_unknown_ticket_from_a_queue_that_cannot_answer() -> None:
    def queue(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/t-gone"):
            return httpx.Response(404, json={"detail": "no ticket"})
        if request.url.path.endswith("/t-1"):
            return httpx.Response(
                200,
                json={
                    "number": "A003",
                    "status": "issued",
                    "position": 3,
                    "wait": {"low_min": 4, "high_min": 9, "text": "about 4-9 minutes"},
                },
            )
        return httpx.Response(503, json={"detail": "down"})

    async def run() -> None:
        async with client(httpx.MockTransport(queue)) as http:
            queue_client = QueueClient(http, "http://queue", "k", priority="urgent")
            found = await queue_client.status("b1", "t-1")
            assert found is not None and (found.position, found.wait_low_min, found.wait_high_min) == (3, 4, 9)
            assert await queue_client.status("b1", "t-gone") is None
            with pytest.raises(QueueUnavailable):
                await queue_client.find("b1", "A003")

    asyncio.run(run())


def test_booking_answers_and_refusals_keep_their_reason() -> None:
    def queue(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["start"] == "10:00":
            return httpx.Response(409, json={"detail": "full", "reason": "slot_full"})
        return httpx.Response(201, json={"appointment_id": "a-1", "code": "ABCD2345", "start": body["start"]})

    async def run() -> None:
        async with client(httpx.MockTransport(queue)) as http:
            appointments = AppointmentClient(http, "http://queue", "k")
            day = dt.date(2030, 1, 7)
            assert await appointments.book("b1", "wealth", day, "10:00") == Refused("slot_full")
            assert await appointments.book("b1", "wealth", day, "10:30") == Booked("10:30", "ABCD2345", "a-1")

    asyncio.run(run())
