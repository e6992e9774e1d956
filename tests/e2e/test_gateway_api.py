"""The gateway against queue and staffing processes: kiosks see only their own tickets on the stream."""

from __future__ import annotations

import json
import time

import httpx

from branchops.settings import Role
from tests.conftest import api_key
from tests.e2e.browser import stack as _stack
from tests.e2e.browser.stack import GatewayStack, serve_at_window
from tests.e2e.helpers import sse

gateway_stack = _stack.gateway_stack


def test_a_kiosk_stream_carries_its_own_tickets_only(gateway_stack: GatewayStack) -> None:
    stack = gateway_stack
    kiosk = {"X-Device-Key": stack.kiosk_key}
    tickets = stack.url(f"/v1/branches/{stack.branch}/tickets")
    mine = httpx.post(tickets, json={"service": "fx"}, headers=kiosk, timeout=10).json()
    teller = httpx.post(stack.url("/v1/auth/login"), json={"username": "teller", "password": "correct-horse-battery"})
    staff = {"Authorization": f"Bearer {teller.json()['access_token']}"}
    with sse(stack.url(f"/v1/branches/{stack.branch}/stream?tickets={mine['ticket_id']},forged"), kiosk) as stream:
        assert stream.status == 200
        other = httpx.post(tickets, json={"service": "fx"}, headers=staff, timeout=10).json()
        stream.wait_for(lambda e: e["event"] == "branchops.queue.forecast.v1")
        httpx.put(
            stack.url(f"/v1/branches/{stack.branch}/windows/w9", "queue"),
            json={"state": "open", "skills": ["fx"]},
            headers=staff,
            timeout=10,
        )
        called = httpx.post(stack.url(f"/v1/branches/{stack.branch}/windows/w9/call-next"), headers=staff, timeout=10)
        assert called.status_code == 200 and called.json()["ticket_id"] == mine["ticket_id"], called.text
        stream.wait_for(
            lambda e: e["event"] == "branchops.tickets.v1" and json.loads(e["data"])["data"]["status"] == "called"
        )
    seen = {
        json.loads(e["data"])["data"].get("ticket_id") for e in stream.events if e["event"] == "branchops.tickets.v1"
    }
    assert seen == {mine["ticket_id"]}, seen
    assert all(e["event"] in ("branchops.tickets.v1", "branchops.queue.forecast.v1") for e in stream.events)
    # the kiosk cannot follow a ticket it did not take, nor reach another branch
    assert httpx.get(f"{tickets}/{other['ticket_id']}", headers=kiosk).status_code == 404
    assert httpx.get(f"{tickets}/{mine['ticket_id']}", headers=kiosk).json()["number"] == mine["number"]
    other_branch = stack.url(f"/v1/branches/{stack.other_branch}/stream")
    assert httpx.get(other_branch, headers=kiosk).status_code == 403


def test_the_gateway_stays_healthy_after_bad_requests(gateway_stack: GatewayStack) -> None:
    stack = gateway_stack
    assert httpx.get(stack.url(f"/v1/branches/{stack.branch}/stream")).status_code == 401
    assert (
        httpx.get(
            stack.url(f"/v1/branches/{stack.branch}/stream"), headers={"Authorization": "Bearer not-a-jwt"}
        ).status_code
        == 401
    )
    assert httpx.get(stack.url("/v1/stream"), headers={"X-Device-Key": stack.kiosk_key}).status_code == 403
    assert httpx.get(stack.url("/healthz")).json()["status"] == "ok"


def test_a_rating_goes_through_kafka_to_the_dashboard_and_head_office(gateway_stack: GatewayStack) -> None:
    stack = gateway_stack
    pad = {"X-Device-Key": stack.kiosk_key}
    served = serve_at_window(stack, "w3", "cash")
    url = stack.url(f"/v1/branches/{stack.branch}/windows/w3/rating")
    deadline = time.monotonic() + 20
    while httpx.get(url, headers=pad, timeout=10).json()["ticket"] is None and time.monotonic() < deadline:
        time.sleep(0.2)  # the gateway learns of the completed ticket from tickets.v1
    assert httpx.post(url, json={"rating": 9}, headers=pad, timeout=10).status_code == 422
    with sse(stack.url(f"/v1/branches/{stack.branch}/stream?types=feedback.v1"), manager_headers(stack)) as stream:
        rated = httpx.post(url, json={"rating": 2, "tags": ["long_wait"]}, headers=pad, timeout=10)
        assert rated.status_code == 201 and rated.json()["ticket_id"] == served["ticket_id"], rated.text
        event = json.loads(stream.wait_for(lambda e: e["event"] == "branchops.feedback.v1")["data"])
    assert event["data"] | {"at": None} == {
        "branch_id": stack.branch,
        "at": None,
        "ticket_id": served["ticket_id"],
        "window_id": "w3",
        "staff_id": None,
        "service": "cash",
        "rating": 2,
        "tags": ["long_wait"],
    }
    assert (
        httpx.post(url, json={"rating": 5, "ticket_id": served["ticket_id"]}, headers=pad, timeout=10).status_code
        == 409
    )
    head = httpx.get(
        stack.url("/v1/head-office/branches"), headers={"X-API-Key": api_key(Role.HEAD_OFFICE)}, timeout=10
    ).json()
    mine = next(b for b in head["branches"] if b["branch_id"] == stack.branch)
    assert mine["satisfaction"]["count"] >= 1
    board = httpx.get(stack.url(f"/v1/branches/{stack.branch}/dashboard"), headers=manager_headers(stack)).json()
    assert board["snapshot"]["satisfaction_by_window"]["w3"] == {"count": 1, "average": 2.0}


def manager_headers(stack: GatewayStack) -> dict[str, str]:
    token = httpx.post(
        stack.url("/v1/auth/login"), json={"username": "manager", "password": "correct-horse-battery"}, timeout=10
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}
