"""Booking from the phone (issue 19 item 4 remainder): the public slots and booking relays need no login, call the
queue as the gateway, pass the queue's refusals with their reasons (full slot 409, outside hours 422), refuse
days outside the booking window, are rate-limited per address (429 with Retry-After), and the booking page and
the QR codes of a code and of the booking page are served."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from branchops.settings import Role
from branchops.web.auth import principal_from_token
from services.gateway.adapters.upstream import Upstreams
from services.gateway.bootstrap import build_app
from services.gateway.routes import public
from services.gateway.routes.public import BOOK_DAYS_AHEAD, booking_window, qr_svg
from services.gateway.settings import GatewaySettings
from tests.conftest import make_platform

TODAY = dt.date(2031, 5, 20)  # the branches' today in these tests (``branch_today`` is pinned to it)
SLOTS = {
    "branch_id": "b1",
    "service": "cash",
    "date": TODAY.isoformat(),
    "plan_version": 1,
    "interval_min": 30,
    "slots": [{"start": "10:00", "free": 2, "bookable": True}],
}


def problem(status: int, reason: str) -> httpx.Response:
    body = {"title": "Refused", "status": status, "detail": reason, "reason": reason}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


class FakeQueue:
    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path == "/v1/branches/b1/appointments/slots":
            return httpx.Response(200, json=SLOTS)
        if request.url.path == "/v1/branches/b1/appointments" and request.method == "POST":
            start = json.loads(request.content)["start"]
            if start == "10:30":
                return problem(409, "slot_full")
            if start == "22:00":
                return problem(422, "outside_hours")
            return httpx.Response(201, json={"code": "ABCD2345", "start": start, "status": "booked"})
        return httpx.Response(404, json={"title": "Not Found", "status": 404})


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, FakeQueue, Any]]:
    monkeypatch.setattr(public, "branch_today", lambda: TODAY)
    fake = FakeQueue()
    settings = GatewaySettings(
        branches=["b1", "b2"],
        cookie_secure=False,
        public_rate_per_min=60,
        public_burst=6,
        public_url="https://bank.example",
    )
    platform = make_platform("127.0.0.1:1")
    app = build_app(settings, platform, upstreams=Upstreams(settings, transport=httpx.MockTransport(fake)))
    yield TestClient(app), fake, platform


def booking(start: str = "10:00", **extra: Any) -> dict[str, Any]:
    return {"service": "cash", "date": TODAY.isoformat(), "start": start, **extra}


def test_slots_and_booking_need_no_login_and_call_the_queue_as_the_gateway(env: Any) -> None:
    client, fake, platform = env
    got = client.get("/v1/public/branches/b1/appointments/slots", params={"service": "cash", "date": str(TODAY)})
    assert got.status_code == 200 and got.json() == SLOTS
    assert got.headers["cache-control"] == "no-store"
    assert fake.seen[-1].url.params["date"] == str(TODAY)
    principal = principal_from_token(platform, fake.seen[-1].headers["authorization"].removeprefix("Bearer "))
    assert principal.role is Role.SERVICE
    made = client.post("/v1/public/branches/b1/appointments", json=booking(phone="+86 138 0013 8000"))
    assert made.status_code == 201 and made.json()["code"] == "ABCD2345"
    sent = json.loads(fake.seen[-1].content)
    assert sent == {**booking(), "booked_via": "phone", "contact": "+86 138 0013 8000"}


def test_the_queues_refusals_come_with_their_reasons(env: Any) -> None:
    client, _, _ = env
    full = client.post("/v1/public/branches/b1/appointments", json=booking("10:30"))
    assert full.status_code == 409 and full.json()["reason"] == "slot_full"
    closed = client.post("/v1/public/branches/b1/appointments", json=booking("22:00"))
    assert closed.status_code == 422 and closed.json()["reason"] == "outside_hours"


@pytest.mark.parametrize(
    "body",
    [
        booking(start="25:00"),
        booking(phone="call me maybe"),
        booking(service="lottery"),
        {**booking(), "contact": "+8613800138000"},  # the queue's field name is not the page's
    ],
)
def test_malformed_bookings_are_422_and_never_sent(env: Any, body: dict[str, Any]) -> None:
    client, fake, _ = env
    got = client.post("/v1/public/branches/b1/appointments", json=body)
    assert got.status_code == 422
    assert not fake.seen


def test_days_outside_the_booking_window_are_refused_with_a_reason(env: Any) -> None:
    client, fake, _ = env
    for day, reason in (
        (TODAY - dt.timedelta(days=1), "in_the_past"),
        (TODAY + dt.timedelta(days=60), "too_far_ahead"),
    ):
        got = client.post("/v1/public/branches/b1/appointments", json={**booking(), "date": day.isoformat()})
        assert got.status_code == 422 and got.json()["reason"] == reason
        slots = client.get("/v1/public/branches/b1/appointments/slots", params={"service": "cash", "date": str(day)})
        assert slots.status_code == 422 and slots.json()["reason"] == reason
    assert not fake.seen
    assert booking_window(TODAY, TODAY + dt.timedelta(days=BOOK_DAYS_AHEAD)) is None
    assert booking_window(TODAY, TODAY + dt.timedelta(days=BOOK_DAYS_AHEAD + 1)) == "too_far_ahead"


def test_booking_is_rate_limited_per_address(env: Any) -> None:
    client, _, _ = env
    answers = [client.post("/v1/public/branches/b1/appointments", json=booking()).status_code for _ in range(7)]
    assert answers[:6] == [201] * 6 and answers[6] == 429
    refused = client.get("/v1/public/branches/b1/appointments/slots", params={"service": "cash", "date": str(TODAY)})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    other = TestClient(client.app, client=("203.0.113.7", 5000))
    assert other.post("/v1/public/branches/b1/appointments", json=booking()).status_code == 201


def test_a_queue_failure_is_a_502_not_the_queues_words(env: Any) -> None:
    client, _, _ = env

    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="Traceback ...")

    client.app.state.gateway.upstreams = Upstreams(
        client.app.state.gateway.settings, transport=httpx.MockTransport(broken)
    )
    got = client.post("/v1/public/branches/b1/appointments", json=booking())
    assert got.status_code == 502 and "Traceback" not in got.text


def test_the_booking_page_and_its_qr_codes(env: Any) -> None:
    client, _, _ = env
    page = client.get("/book/b1")
    assert page.status_code == 200 and "/static/js/book.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    code = client.get("/v1/qr", params={"data": "ABCD2345"})
    assert code.status_code == 200 and code.content == qr_svg("ABCD2345")  # the code itself: a scanner types it
    link = client.get("/v1/qr", params={"data": "/book/b1"})
    assert link.status_code == 200 and link.content == qr_svg("https://bank.example/book/b1")
    for bad in ("abcd2345", "ABCD234", "ABCD0000", "/book/../kiosk", "/book/", "https://evil.example/book/b1"):
        assert client.get("/v1/qr", params={"data": bad}).status_code == 422, bad
