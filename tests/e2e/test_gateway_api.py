"""The gateway against queue and staffing processes: kiosks see only their own tickets on the stream."""

from __future__ import annotations

import json

import httpx

from tests.e2e.browser import stack as _stack
from tests.e2e.browser.stack import GatewayStack
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
        httpx.put(stack.url(f"/v1/branches/{stack.branch}/windows/w9", "queue"),
                  json={"state": "open", "skills": ["fx"]}, headers=staff, timeout=10)
        called = httpx.post(stack.url(f"/v1/branches/{stack.branch}/windows/w9/call-next"), headers=staff, timeout=10)
        assert called.status_code == 200 and called.json()["ticket_id"] == mine["ticket_id"], called.text
        stream.wait_for(lambda e: e["event"] == "branchops.tickets.v1"
                        and json.loads(e["data"])["data"]["status"] == "called")
    seen = {json.loads(e["data"])["data"].get("ticket_id") for e in stream.events
            if e["event"] == "branchops.tickets.v1"}
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
    assert httpx.get(stack.url(f"/v1/branches/{stack.branch}/stream"),
                     headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401
    assert httpx.get(stack.url("/v1/stream"), headers={"X-Device-Key": stack.kiosk_key}).status_code == 403
    assert httpx.get(stack.url("/healthz")).json()["status"] == "ok"
