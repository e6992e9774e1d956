"""Customers who leave a number hear "near" once and "called" once, by a signed webhook (issue 18 item 3):
the queue app against the real Redis and broker, the webhook received by a real HTTP server here."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from branchops.devstack import TansuBroker
from branchops.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.conftest import make_platform
from tests.integration.test_queue_api import Clock, QueueApp, client_for, make_app

SECRET = "notice-secret-for-tests"


class Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []  # noqa: RUF012 - one receiver per test module

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = verify(
            SECRET.encode(), body, self.headers[SIGNATURE_HEADER], self.headers[TIMESTAMP_HEADER], now=time.time()
        )
        Receiver.received.append({"verified": ok, **json.loads(body)})
        self.send_response(204 if ok else 401)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sms"
    server.shutdown()


@pytest.fixture
async def q(redis_url: str, session_broker: TansuBroker, receiver: str) -> AsyncIterator[QueueApp]:
    Receiver.received.clear()
    clock = Clock()
    app = make_app(
        redis_url,
        make_platform(session_broker.bootstrap),
        clock,
        notice_webhook_url=receiver,
        notice_webhook_secret=SECRET,
        near_people=2,
    )
    async with app.router.lifespan_context(app), client_for(app) as client:
        yield QueueApp(app, client, clock)


async def notices_for(number: str, count: int, timeout_s: float = 10) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [r for r in Receiver.received if r["notice"].get("number") == number]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.1)
    return [r for r in Receiver.received if r["notice"].get("number") == number]


async def test_near_once_then_called_once_signed(q: QueueApp) -> None:
    await q.open_window("w1", ["cash"])
    tickets = [await q.issue("cash") for _ in range(6)]
    mine = tickets[-1]
    left = await q.client.put(f"/v1/public/tickets/{mine['token']}/contact", json={"phone": "13912345678"})
    assert left.status_code == 204, left.text
    await asyncio.sleep(1.5)
    assert await notices_for(str(mine["number"]), 1, timeout_s=0.5) == []  # 5 ahead: not near yet
    for _ in range(3):  # 2 ahead now: near
        called = (await q.call("w1")).json()
        await q.act(called["ticket_id"], "complete")
    near = await notices_for(str(mine["number"]), 1)
    assert [n["notice"]["kind"] for n in near] == ["near"] and near[0]["verified"]
    assert near[0]["notice"]["contact"] == "13912345678" and "快轮到您了" in near[0]["notice"]["text"]
    for _ in range(2):  # still near after another one is served: not told again
        called = (await q.call("w1")).json()
        await q.act(called["ticket_id"], "complete")
    assert (await q.call("w1")).json()["ticket_id"] == mine["ticket_id"]
    both = await notices_for(str(mine["number"]), 2)
    assert [n["notice"]["kind"] for n in both] == ["near", "called"]
    assert both[1]["notice"]["window_id"] == "w1" and "w1 号窗口" in both[1]["notice"]["text"]
    await asyncio.sleep(1.5)
    assert len(await notices_for(str(mine["number"]), 3, timeout_s=0.5)) == 2  # nothing more
    assert await q.app.state.notices.contacts.of_branch(q.branch) == []  # the number is forgotten once told


async def test_contact_input_is_checked_and_finished_tickets_refused(q: QueueApp) -> None:
    ticket = await q.issue("cash")
    url = f"/v1/public/tickets/{ticket['token']}/contact"
    assert (await q.client.put(url, json={"phone": "call me"})).status_code == 422
    assert (await q.client.put(url, json={"phone": "13912345678", "lang": "fr"})).status_code == 422
    assert (
        await q.client.put(url.replace(ticket["token"], "forged.token"), json={"phone": "13912345678"})
    ).status_code == 404
    assert (await q.client.put(url, json={"phone": "13912345678", "lang": "en"})).status_code == 204
    assert (await q.client.delete(url)).status_code == 204
    assert await q.app.state.notices.contacts.of_branch(q.branch) == []
    await q.client.post(f"/v1/public/tickets/{ticket['token']}/cancel")
    final = await q.client.put(url, json={"phone": "13912345678"})
    assert final.status_code == 409 and final.json()["reason"] == "ticket_final"


# --- appointments: booked, cancelled and the reminder on the same webhook (issue 18 item 4) ----------------


async def test_appointments_are_told_booked_then_reminded_once(
    redis_url: str, session_broker: TansuBroker, receiver: str
) -> None:
    from tests.integration.test_queue_appointments import SETTINGS, apply, booked, local, plan

    Receiver.received.clear()
    clock = Clock(local(8, 0))
    app = make_app(
        redis_url,
        make_platform(session_broker.bootstrap),
        clock,
        notice_webhook_url=receiver,
        notice_webhook_secret=SECRET,
        appointment_reminder_min=60,
        **SETTINGS,
    )
    async with app.router.lifespan_context(app), client_for(app) as client:
        q = QueueApp(app, client, clock)
        await apply(q, plan(q.branch))
        told = await booked(q, "10:00", contact="139 1234 5678")
        silent = await booked(q, "10:30")  # no number: nobody to tell
        kinds = await _appointment_kinds(told["code"], 1)
        assert kinds == ["appointment_booked"]
        from services.queue.usecases.reminders import AppointmentReminders

        rounds = AppointmentReminders(
            app.state.appointments.store, app.state.appointments.notifier, _branches(q.branch), clock, 60.0
        )
        assert await rounds.remind() == 0  # 8:00, two hours before
        clock.now = local(9, 5)
        assert await rounds.remind() == 1  # 55 minutes before
        assert await rounds.remind() == 0  # once
        kinds = await _appointment_kinds(told["code"], 2)
        assert kinds == ["appointment_booked", "appointment_reminder"]
        reminder = next(r for r in Receiver.received if r["notice"].get("kind") == "appointment_reminder")
        assert reminder["verified"] and reminder["notice"]["contact"] == "139 1234 5678"
        assert told["code"] in reminder["notice"]["text_zh"] and "10:00" in reminder["notice"]["text_en"]
        assert not [r for r in Receiver.received if r["notice"].get("code") == silent["code"]]


def _branches(branch: str) -> Any:
    async def only() -> list[str]:
        return [branch]

    return only


async def _appointment_kinds(code: str, count: int) -> list[str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [r["notice"]["kind"] for r in Receiver.received if r["notice"].get("code") == code]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.1)
    return [r["notice"]["kind"] for r in Receiver.received if r["notice"].get("code") == code]
