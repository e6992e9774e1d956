"""The phone ticket page and its public relays (issue 18 items 3 and 4): no login, the gateway's service
credential towards the queue, one 404 for every bad token or code, a token bucket per client address (a miss
costs double) answering 429 with Retry-After, the QR code of this site's /t/ pages only, and the kiosk's
check-in relay by appointment code."""

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
from services.gateway.domain.passwords import device_key_digest
from services.gateway.domain.throttle import AddressBuckets
from services.gateway.settings import GatewaySettings
from tests.conftest import api_key, make_platform

KIOSK = "dev-kiosk-key-public-pages-0123456789"
GOOD = "YjEfdDE.c2lnbmF0dXJlLW9mLXRoZS10aWNrZXQ"
VIEW = {
    "branch_id": "b1",
    "number": "A012",
    "service": "cash",
    "status": "issued",
    "issued_at": "2031-05-13T01:00:00Z",
    "position": 3,
    "wait": {"low_min": 4, "high_min": 9, "text": "4-9 min"},
    "window_id": None,
    "near": True,
    "near_people": 3,
    "near_minutes": 5.0,
}
NOT_FOUND = {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no such ticket"}


class FakeQueue:
    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path = request.url.path
        if path == f"/v1/public/tickets/{GOOD}":
            return httpx.Response(200, json=VIEW)
        if path == f"/v1/public/tickets/{GOOD}/cancel":
            return httpx.Response(200, json={**VIEW, "status": "cancelled", "position": None, "near": False})
        if path == f"/v1/public/tickets/{GOOD}/contact":
            return httpx.Response(204)
        if path == "/v1/public/appointments/ABCD2345":
            return httpx.Response(200, json={"code": "ABCD2345", "status": "booked"})
        if path.endswith("/appointments/check-in"):
            code = json.loads(request.content)["code"]
            if code == "ABCD2345":
                ticket = {"ticket_id": "t9", "number": "V001", "token": GOOD}
                return httpx.Response(201, json={"appointment": {"code": code}, "ticket": ticket})
            reason = {"EARLY234": "too_early", "LATE2345": "too_late"}.get(code)
            if reason:
                return httpx.Response(
                    409,
                    json={"title": "Conflict", "status": 409, "reason": reason},
                    headers={"content-type": "application/problem+json"},
                )
            return httpx.Response(404, json={"title": "Not Found", "status": 404})
        if path == "/v1/public/tickets/Zm9yZ2VkLXRva2Vu.bm8":
            return httpx.Response(422, json={"detail": "malformed"})
        return httpx.Response(404, json={**NOT_FOUND, "detail": f"no ticket {path}"})


class FakeKioskTickets:
    def __init__(self) -> None:
        self.added: list[tuple[str, str, str]] = []

    async def add(self, branch: str, kiosk: str, ticket_id: str) -> None:
        self.added.append((branch, kiosk, ticket_id))


@pytest.fixture
def env() -> Iterator[tuple[TestClient, FakeQueue, Any]]:
    fake = FakeQueue()
    settings = GatewaySettings(
        device_keys={device_key_digest(KIOSK): {"branch": "b1", "kiosk_id": "k1"}},
        branches=["b1", "b2"],
        cookie_secure=False,
        public_rate_per_min=60,
        public_burst=6,
        public_url="https://bank.example",
    )
    platform = make_platform("127.0.0.1:1")
    app = build_app(settings, platform, upstreams=Upstreams(settings, transport=httpx.MockTransport(fake)))
    app.state.gateway.kiosk_tickets = FakeKioskTickets()
    yield TestClient(app), fake, platform


def test_the_ticket_relay_needs_no_login_and_calls_the_queue_as_the_gateway(env: Any) -> None:
    client, fake, platform = env
    got = client.get(f"/v1/public/tickets/{GOOD}")
    assert got.status_code == 200 and got.json() == VIEW
    assert got.headers["cache-control"] == "no-store"
    sent = fake.seen[-1]
    assert sent.url.path == f"/v1/public/tickets/{GOOD}"
    principal = principal_from_token(platform, sent.headers["authorization"].removeprefix("Bearer "))
    assert principal.role is Role.SERVICE and principal.branch_id is None
    cancelled = client.post(f"/v1/public/tickets/{GOOD}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert fake.seen[-1].method == "POST"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-real-token-at-all",  # unknown to the queue
        "Zm9yZ2VkLXRva2Vu.bm8",  # the queue says 422
        "short",  # malformed: never sent
        "a" * 2000,  # far too long: never sent
        "..%2F..%2Fv1%2Fbranches",  # a path trick: never sent
        "with space in it",
    ],
)
def test_every_bad_token_gets_the_same_404(env: Any, token: str) -> None:
    client, fake, _ = env
    got = client.get(f"/v1/public/tickets/{token}")
    reference = client.get("/v1/public/tickets/another-unknown-token-x")
    assert got.status_code == reference.status_code == 404
    body, ref = got.json(), reference.json()
    body.pop("instance", None), ref.pop("instance", None)
    assert body == ref, "the answer does not tell a forged token from an expired one"
    assert all(".." not in r.url.path and "branches" not in r.url.path for r in fake.seen)
    assert client.post(f"/v1/public/tickets/{token}/cancel").status_code == 404


def test_lookups_are_rate_limited_per_address_and_misses_cost_double(env: Any) -> None:
    client, _, _ = env
    for _ in range(3):  # 3 misses x 2 = the whole burst of 6
        assert client.get("/v1/public/tickets/unknown-token-xyz1").status_code == 404
    refused = client.get(f"/v1/public/tickets/{GOOD}")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"].startswith("application/problem+json")
    # another address has its own bucket
    other = TestClient(client.app, client=("203.0.113.9", 5000))
    assert other.get(f"/v1/public/tickets/{GOOD}").status_code == 200


def test_the_bucket_refills_at_its_rate() -> None:
    bucket = AddressBuckets(rate=1.0, burst=2)
    assert bucket.admit("a", 0.0) is None and bucket.admit("a", 0.0) is None
    wait = bucket.admit("a", 0.0)
    assert wait is not None and wait >= 1.0
    assert bucket.admit("a", 1.0) is None, "one token back after a second"
    bucket.charge("a", 1.0, 10)  # debt is capped at one burst
    assert bucket.admit("a", 3.9) is not None and bucket.admit("a", 5.0) is None
    assert bucket.admit("b", 0.0) is None


def test_appointment_relays_by_code(env: Any) -> None:
    client, fake, _ = env
    assert client.get("/v1/public/appointments/abcd2345").json()["status"] == "booked"
    assert fake.seen[-1].url.path == "/v1/public/appointments/ABCD2345"
    assert client.get("/v1/public/appointments/NOPE2345").status_code == 404
    assert client.get("/v1/public/appointments/x").status_code == 404
    assert client.post("/v1/public/appointments/NOPE2345/cancel").status_code == 404


def test_qr_only_for_this_sites_phone_pages(env: Any) -> None:
    client, _, _ = env
    got = client.get("/v1/qr", params={"data": f"/t/{GOOD}"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("image/svg+xml")
    assert got.text.startswith("<svg") and "<script" not in got.text
    for bad in ("https://evil.example/t/abcdefgh", "//evil.example/t/abcdefghij", "/login", "/t/../kiosk", "/t/x"):
        assert client.get("/v1/qr", params={"data": bad}).status_code == 422, bad


def test_qr_encodes_the_public_origin(env: Any) -> None:
    from services.gateway.routes.public import qr_svg

    client, _, _ = env
    got = client.get("/v1/qr", params={"data": f"/t/{GOOD}"})
    assert got.content == qr_svg(f"https://bank.example/t/{GOOD}")
    assert 'xmlns="http://www.w3.org/2000/svg"' in got.text, "a standalone image needs its namespace"


def test_the_phone_page_is_public_and_locked_down(env: Any) -> None:
    client, _, _ = env
    page = client.get(f"/t/{GOOD}")
    assert page.status_code == 200 and "/static/js/phone.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert client.get("/t/anything-at-all").status_code == 200, "the page itself reveals nothing"


def test_kiosk_check_in_relay(env: Any) -> None:
    client, fake, _ = env
    kiosk = {"X-Device-Key": KIOSK}
    done = client.post("/v1/branches/b1/appointments/check-in", json={"code": " abcd2345 "}, headers=kiosk)
    assert done.status_code == 201 and done.json()["ticket"]["token"] == GOOD
    assert json.loads(fake.seen[-1].content) == {"code": "ABCD2345"}
    assert client.app.state.gateway.kiosk_tickets.added == [("b1", "k1", "t9")], "the kiosk may follow it"
    early = client.post("/v1/branches/b1/appointments/check-in", json={"code": "EARLY234"}, headers=kiosk)
    assert early.status_code == 409 and early.json()["reason"] == "too_early"
    late = client.post("/v1/branches/b1/appointments/check-in", json={"code": "LATE2345"}, headers=kiosk)
    assert late.status_code == 409 and late.json()["reason"] == "too_late"
    assert (
        client.post("/v1/branches/b1/appointments/check-in", json={"code": "NOPE2345"}, headers=kiosk).status_code
        == 404
    )
    assert client.post("/v1/branches/b1/appointments/check-in", json={"code": "?"}, headers=kiosk).status_code == 404
    assert (
        client.post("/v1/branches/b2/appointments/check-in", json={"code": "ABCD2345"}, headers=kiosk).status_code
        == 403
    )
    assert client.post("/v1/branches/b1/appointments/check-in", json={"code": "ABCD2345"}).status_code == 401
    head = {"X-API-Key": api_key(Role.HEAD_OFFICE)}
    assert (
        client.post("/v1/branches/b1/appointments/check-in", json={"code": "ABCD2345"}, headers=head).status_code == 403
    )
    teller = {"X-API-Key": api_key(Role.TELLER)}
    assert (
        client.post("/v1/branches/b1/appointments/check-in", json={"code": "ABCD2345"}, headers=teller).status_code
        == 201
    )


def test_a_long_poll_answers_at_once_when_the_page_is_behind_and_waits_when_it_is_not(env: Any) -> None:
    import time

    client, fake, _ = env
    first = client.get(f"/v1/public/tickets/{GOOD}")
    tag = first.headers["etag"]
    behind = client.get(f"/v1/public/tickets/{GOOD}", params={"after": "something-older", "wait": 5})
    assert behind.status_code == 200 and behind.headers["etag"] == tag
    calls = len(fake.seen)
    started = time.monotonic()
    same = client.get(f"/v1/public/tickets/{GOOD}", params={"after": tag, "wait": 0.3})
    assert 0.25 <= time.monotonic() - started < 3, "nothing changed: held for the wait"
    assert same.status_code == 200 and same.json() == VIEW and same.headers["etag"] == tag
    assert len(fake.seen) == calls, "the page had the newest answer: no look at the queue, only a wait"
    assert client.get(f"/v1/public/tickets/{GOOD}", params={"wait": 99}).status_code == 422


async def test_the_watch_wakes_the_pages_of_a_changed_line() -> None:
    import asyncio

    from branchops.contracts import new_event, topics
    from branchops.contracts.enums import Channel, Priority, ServiceName, TicketStatus
    from branchops.contracts.events import Ticket
    from services.gateway.adapters.broadcaster import Broadcaster
    from services.gateway.handlers import GatewayHandlers

    handlers = GatewayHandlers(Broadcaster(replay_capacity=10, subscriber_queue=8))
    watch = handlers.ticket_watch
    seq = watch.seq
    cash = asyncio.create_task(watch.wait("b1", ("cash", "#A007"), seq, 5))
    fx = asyncio.create_task(watch.wait("b1", ("fx", "#F001"), seq, 0.2))
    own = asyncio.create_task(watch.wait("b1", ("cash", "#A001"), seq, 5))
    await asyncio.sleep(0)

    def ticket(status: TicketStatus, priority: Priority = Priority.NORMAL) -> Any:
        data = Ticket(
            branch_id="b1",
            at=dt.datetime.now(dt.UTC),
            ticket_id=f"t-{status}-{priority}",
            number="A001",
            service=ServiceName.CASH,
            status=status,
            priority=priority,
            channel=Channel.KIOSK,
        )
        return new_event(topics.TICKETS, data, source="branchops/test/phone")

    await handlers.on_event(ticket(TicketStatus.ISSUED))  # a new normal ticket moves nobody
    await handlers.on_event(ticket(TicketStatus.COMPLETED))  # A001 done: its own page only
    assert await asyncio.wait_for(own, 1) is True
    await asyncio.sleep(0.05)
    assert not cash.done(), "a finished ticket moves nobody in line"
    await handlers.on_event(ticket(TicketStatus.CALLED))
    assert await asyncio.wait_for(cash, 1) is True
    assert await fx is False, "another line did not change"
    assert watch.since("b1", "cash", seq) and not watch.since("b1", "fx", seq)
    assert await watch.wait("b1", ("cash",), seq, 0.01) is True, "a change before the wait is not missed"


async def test_pages_woken_together_share_one_fetch_of_the_line() -> None:
    import asyncio

    from services.gateway.adapters.line_views import LineViews

    fetched: list[str] = []
    release = asyncio.Event()

    async def fetch(branch: str) -> Any:
        fetched.append(branch)
        await release.wait()
        return {("A002", "t"): {"status": "issued", "position": 1}}

    views = LineViews(fetch)
    pages = [asyncio.create_task(views.line("b1", fresh_from=5, now_seq=5)) for _ in range(50)]
    await asyncio.sleep(0.01)
    release.set()
    lines = await asyncio.gather(*pages)
    assert fetched == ["b1"], "fifty pages, one look at the queue"
    assert all(line == lines[0] for line in lines)
    assert await views.line("b1", fresh_from=5, now_seq=6) == lines[0] and fetched == ["b1"]
    await views.line("b1", fresh_from=6, now_seq=6)
    assert fetched == ["b1", "b1"], "a later change needs a view fetched after it"


def test_a_moved_line_gives_the_new_place_and_near_by_the_queues_rule() -> None:
    from services.gateway.routes.public import moved

    entry = {"status": "issued", "position": 4, "wait": {"low_min": 6, "high_min": 9, "text": ""}, "window_id": None}
    now = moved({**VIEW, "position": 6, "near": False}, entry)
    assert (now["position"], now["near"], now["number"]) == (4, True, "A012"), "3 ahead: near"
    far = moved(VIEW, {**entry, "position": 9})
    assert far["near"] is False
    soon = moved(VIEW, {**entry, "position": 9, "wait": {"low_min": 1, "high_min": 4, "text": ""}})
    assert soon["near"] is True, "at most 5 minutes left: near"


def test_a_number_left_on_the_phone_page_reaches_the_queue_checked(env: Any) -> None:
    client, fake, _ = env
    left = client.put(f"/v1/public/tickets/{GOOD}/contact", json={"phone": "139 1234 5678", "lang": "en"})
    assert left.status_code == 204, left.text
    sent = fake.seen[-1]
    assert sent.method == "PUT" and json.loads(sent.content) == {"phone": "139 1234 5678", "lang": "en"}
    before = len(fake.seen)
    for bad in ({"phone": "call me"}, {"phone": "13912345678", "lang": "fr"}, {"phone": "1" * 40}):
        assert client.put(f"/v1/public/tickets/{GOOD}/contact", json=bad).status_code == 422
    assert len(fake.seen) == before  # refused at the gateway, never sent
    assert client.delete(f"/v1/public/tickets/{GOOD}/contact").status_code == 204
    assert client.put("/v1/public/tickets/short/contact", json={"phone": "13912345678"}).status_code == 404
