"""Ratings at a window's pad: which ticket, one rating per ticket (real Redis), feedback.v1 in the outbox."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi.testclient import TestClient

from branchops.contracts import decode, topics
from branchops.contracts.enums import Channel, ServiceName, TicketStatus, WindowState
from branchops.contracts.events import Feedback, Ticket, Window
from services.gateway.adapters.ratings import RatingStore
from services.gateway.adapters.upstream import Upstreams
from services.gateway.bootstrap import build_app
from services.gateway.domain.passwords import device_key_digest
from services.gateway.domain.ratings import NothingToRate, NotRateable, latest_served, target_of
from services.gateway.routes.deps import Gateway
from services.gateway.settings import GatewaySettings
from tests.conftest import api_key, make_platform

PAD = "pad-0123456789abcdef0123456789abcdef"
OTHER_PAD = "pad-fedcba9876543210fedcba9876543210"
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def ticket(tid: str, status: str, window: str | None, at: dt.datetime = NOW, service: str = "cash") -> dict[str, Any]:
    return {
        "ticket_id": tid,
        "number": "A001",
        "service": service,
        "status": status,
        "window_id": window,
        "at": at.isoformat(),
    }


def test_the_window_offers_its_latest_served_ticket() -> None:
    age = dt.timedelta(minutes=15)
    tickets = [
        ticket("t1", "completed", "w1", NOW - dt.timedelta(minutes=5)),
        ticket("t2", "completed", "w2"),
        ticket("t3", "called", "w1"),
    ]
    assert latest_served(tickets, "w1", "s-wang", NOW, age).ticket_id == "t1"  # the next one is only called
    tickets.append(ticket("t3", "serving", "w1"))
    found = latest_served(tickets, "w1", "s-wang", NOW, age)
    assert (found.ticket_id, found.staff_id, found.service.value) == ("t3", "s-wang", "cash")
    with pytest.raises(NothingToRate):
        latest_served(tickets, "w9", None, NOW, age)
    with pytest.raises(NotRateable) as stale:
        latest_served([ticket("t1", "completed", "w1", NOW - dt.timedelta(hours=1))], "w1", None, NOW, age)
    assert not isinstance(stale.value, NothingToRate) and "too long ago" in stale.value.detail
    for bad, reason in (
        (ticket("t1", "called", "w1"), "not been served"),
        (ticket("t1", "no_show", "w1"), "not served"),
        (ticket("t1", "completed", "w2"), "window w2"),
    ):
        with pytest.raises(NotRateable, match=reason):
            target_of(bad, "w1", None, NOW, age)


class Queue:
    """The queue service behind the gateway: knows one ticket the gateway has not seen."""

    def __init__(self) -> None:
        self.known: dict[str, dict[str, Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        tid = request.url.path.rsplit("/", 1)[-1]
        if tid in self.known:
            return httpx.Response(200, json=self.known[tid])
        return httpx.Response(404, json={"title": "Not Found", "status": 404})


@pytest.fixture
def pad(redis_url: str) -> Iterator[tuple[TestClient, Gateway, Queue, str]]:
    branch = f"b-{uuid.uuid4().hex[:8]}"
    queue = Queue()
    settings = GatewaySettings(
        redis_url=redis_url,
        branches=[branch, "b2"],
        cookie_secure=False,
        device_keys={
            device_key_digest(PAD): {"branch": branch, "kiosk_id": "pad-w1"},
            device_key_digest(OTHER_PAD): {"branch": "b2", "kiosk_id": "pad-9"},
        },
    )
    app = build_app(
        settings, make_platform("127.0.0.1:1"), upstreams=Upstreams(settings, transport=httpx.MockTransport(queue))
    )
    with TestClient(app) as client:  # the lifespan runs (Redis reachable, Kafka not: the outbox keeps events)
        yield client, app.state.gateway, queue, branch


def serve(
    gateway: Gateway, branch: str, tid: str, window: str, status: str = "completed", at: dt.datetime | None = None
) -> None:
    state = gateway.handlers.state(branch)
    when = at or dt.datetime.now(dt.UTC)
    state.apply(Window(branch_id=branch, at=when, window_id=window, state=WindowState.OPEN, staff_id="s-wang"))
    state.apply(
        Ticket(
            branch_id=branch,
            at=when,
            ticket_id=tid,
            number="A001",
            service=ServiceName.CASH,
            status=TicketStatus(status),
            window_id=window,
            channel=Channel.KIOSK,
        )
    )


def test_a_pad_rates_the_ticket_just_served_once(pad: Any) -> None:
    client, gateway, _, branch = pad
    device = {"X-Device-Key": PAD}
    url = f"/v1/branches/{branch}/windows/w1/rating"
    assert client.get(url, headers=device).json()["ticket"] is None
    assert client.post(url, json={"rating": 5}, headers=device).status_code == 404
    serve(gateway, branch, "t-1", "w1")
    offered = client.get(url, headers=device).json()
    assert offered["ticket"]["ticket_id"] == "t-1" and offered["ticket"]["staff_id"] == "s-wang"
    assert offered["rated"] is None and "long_wait" in offered["tags"]
    sent = client.post(url, json={"rating": 4, "tags": ["friendly", "fast"], "ticket_id": "t-1"}, headers=device)
    assert sent.status_code == 201, sent.text
    assert sent.json() | {"at": None} == {
        "branch_id": branch,
        "at": None,
        "ticket_id": "t-1",
        "window_id": "w1",
        "staff_id": "s-wang",
        "service": "cash",
        "rating": 4,
        "tags": ["friendly", "fast"],
        "number": "A001",
    }
    again = client.post(url, json={"rating": 1}, headers=device)
    assert again.status_code == 409 and again.json()["title"] == "Already rated" and again.json()["rating"] == 4
    assert client.get(url, headers=device).json()["rated"]["rating"] == 4
    staged = _outbox(gateway, branch)
    assert len(staged) == 1 and staged[0].type == topics.FEEDBACK.event_type
    assert isinstance(staged[0].data, Feedback) and staged[0].data.rating == 4 and staged[0].subject == branch


def test_bad_input_and_the_wrong_callers_are_refused_with_reasons(pad: Any) -> None:
    client, gateway, queue, branch = pad
    device = {"X-Device-Key": PAD}
    url = f"/v1/branches/{branch}/windows/w1/rating"
    serve(gateway, branch, "t-2", "w1")
    serve(gateway, branch, "t-3", "w2")
    serve(gateway, branch, "t-4", "w1", status="called")
    for body, field in (
        ({"rating": 6}, "rating"),
        ({"rating": 0}, "rating"),
        ({}, "rating"),
        ({"rating": "five"}, "rating"),
        ({"rating": 3, "tags": ["rude-words"]}, "tags"),
        ({"rating": 3, "tags": ["fast", "fast"]}, "tags"),
        ({"rating": 3, "extra": 1}, "extra"),
        ({"rating": 3, "ticket_id": "a:b"}, "ticket_id"),
    ):
        refused = client.post(url, json=body, headers=device)
        assert refused.status_code == 422, body
        assert refused.headers["content-type"] == "application/problem+json" and field in refused.json()["detail"]
    assert "window w2" in client.post(url, json={"rating": 3, "ticket_id": "t-3"}, headers=device).json()["detail"]
    assert client.post(url, json={"rating": 3, "ticket_id": "t-4"}, headers=device).status_code == 409
    assert client.post(url, json={"rating": 3, "ticket_id": "t-nowhere"}, headers=device).status_code == 404
    queue.known["t-old"] = ticket("t-old", "completed", "w1") | {"at": None}  # served before this gateway started
    assert client.post(url, json={"rating": 2, "ticket_id": "t-old"}, headers=device).status_code == 201
    assert client.post(url, json={"rating": 3}, headers={"X-API-Key": api_key_of("teller")}).status_code == 403
    assert client.post(url, json={"rating": 3}, headers={"X-Device-Key": OTHER_PAD}).status_code == 403
    assert client.post(url, json={"rating": 3}).status_code == 401
    assert (
        client.post(
            "/v1/branches/zz/windows/w1/rating", json={"rating": 3}, headers={"X-API-Key": api_key_of("service")}
        ).status_code
        == 404
    )
    assert client.get(f"/rate/{branch}/w1").status_code == 200
    assert len(_outbox(gateway, branch)) == 1  # only t-old's rating was accepted


def test_two_pads_racing_for_one_ticket_get_one_event(redis_url: str) -> None:
    async def race() -> list[dict[str, Any] | None]:
        from branchops.bus.outbox import Outbox

        redis = aioredis.Redis.from_url(redis_url)
        try:
            store = RatingStore(redis, Outbox(redis, "gateway", source="branchops/gateway/test", instance="t"))
            branch = f"b-{uuid.uuid4().hex[:8]}"
            feedback = [
                Feedback(branch_id=branch, at=NOW, ticket_id="t-9", window_id="w1", service="cash", rating=r)
                for r in (1, 2, 3, 4, 5, 5, 4, 3)
            ]
            results = await asyncio.gather(*(store.record(f) for f in feedback))
            assert await redis.xlen(store._outbox.stream(branch)) == 1
            return results
        finally:
            await redis.aclose()

    results = asyncio.run(race())
    assert sum(r is None for r in results) == 1


def api_key_of(role: str) -> str:
    from branchops.settings import Role

    return api_key(Role(role))


def _outbox(gateway: Gateway, branch: str) -> list[Any]:
    async def read() -> list[Any]:
        redis = aioredis.Redis.from_url(gateway.settings.redis_url)
        try:
            entries = cast(
                list[tuple[bytes, dict[bytes, bytes]]], await redis.xrange(f"bo:gateway:{{{branch}}}:outbox")
            )
        finally:
            await redis.aclose()
        return [decode(fields[b"topic"].decode(), fields[b"value"]) for _, fields in entries]

    return asyncio.run(read())
