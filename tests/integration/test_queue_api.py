"""The queue app in-process against the real Redis (and a real broker when a test needs events)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI

from branchops.settings import PlatformSettings, Role
from services.queue.bootstrap import build_app
from services.queue.settings import QueueSettings
from tests.conftest import api_key

# 10:00 in Asia/Shanghai of today's branch day: the day-keyed Redis state of these tests is today's
T0 = dt.datetime.combine(dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date(), dt.time(2, 0), dt.UTC)


@dataclass
class Clock:
    now: dt.datetime = T0

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += dt.timedelta(minutes=minutes)


@dataclass
class QueueApp:
    app: FastAPI
    client: httpx.AsyncClient
    clock: Clock
    branch: str = field(default_factory=lambda: f"it-{uuid.uuid4().hex[:8]}")

    def url(self, path: str) -> str:
        return f"/v1/branches/{self.branch}{path}"

    async def issue(self, service: str = "cash", **extra: object) -> dict[str, object]:
        # a kiosk issues kiosk-channel tickets only; other channels are staff's (or a service's)
        headers = KIOSK if extra.get("channel", "kiosk") == "kiosk" else TELLER
        got = await self.client.post(self.url("/tickets"), json={"service": service, **extra}, headers=headers)
        assert got.status_code == 201, got.text
        return got.json()  # type: ignore[no-any-return]

    async def open_window(self, window: str, skills: list[str], state: str = "open") -> httpx.Response:
        return await self.client.put(
            self.url(f"/windows/{window}"), json={"state": state, "skills": skills}, headers=TELLER
        )

    async def call(self, window: str) -> httpx.Response:
        return await self.client.post(self.url(f"/windows/{window}/call-next"), headers=TELLER)

    async def act(self, ticket_id: object, action: str, **body: object) -> httpx.Response:
        return await self.client.post(self.url(f"/tickets/{ticket_id}/{action}"), json=body or None, headers=TELLER)


KIOSK = {"X-API-Key": api_key(Role.KIOSK)}
TELLER = {"X-API-Key": api_key(Role.TELLER)}
MANAGER = {"X-API-Key": api_key(Role.MANAGER)}


def make_app(redis_url: str, platform: PlatformSettings, clock: Clock, **settings: object) -> FastAPI:
    return build_app(QueueSettings(redis_url=redis_url, **settings), platform, clock=clock)  # type: ignore[arg-type]


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://queue.test")


# --- tests -------------------------------------------------------------------------------------
import asyncio  # noqa: E402
from collections.abc import AsyncIterator  # noqa: E402

import pytest  # noqa: E402

from branchops.devstack import TansuBroker  # noqa: E402
from tests.conftest import make_platform  # noqa: E402


@pytest.fixture
async def q(redis_url: str, session_broker: TansuBroker) -> AsyncIterator[QueueApp]:
    clock = Clock()
    app = make_app(redis_url, make_platform(session_broker.bootstrap), clock)
    async with client_for(app) as client:
        yield QueueApp(app, client, clock)
    await app.state.tickets.store._redis.aclose()


async def test_issue_numbers_position_and_wait_range(q: QueueApp) -> None:
    first, second = await q.issue("cash"), await q.issue("cash")
    other = await q.issue("general")
    assert (first["number"], second["number"], other["number"]) == ("A001", "A002", "B001")
    assert (first["position"], second["position"]) == (1, 2)
    got = await q.client.get(q.url(f"/tickets/{second['ticket_id']}"), headers=KIOSK)
    assert got.status_code == 200
    wait = got.json()["wait"]
    assert isinstance(wait["low_min"], int) and wait["high_min"] >= wait["low_min"] + 2, "a range, never a point"


async def test_bad_input_is_problem_json(q: QueueApp) -> None:
    cases = [
        (await q.client.post("/v1/branches/bad:branch/tickets", json={"service": "cash"}, headers=KIOSK), 422),
        (await q.client.post(q.url("/tickets"), json={"service": "loans"}, headers=KIOSK), 422),
        (await q.client.post(q.url("/tickets"), json={"service": "cash", "priority": "vip"}, headers=KIOSK), 422),
        (await q.client.get(q.url("/tickets/t-nope"), headers=KIOSK), 404),
        (await q.act("t-nope", "complete"), 404),
        (await q.act("t-nope", "explode"), 404),
        (await q.open_window("w1", []), 422),
        (await q.open_window("w1", ["cash", "cash"]), 422),
        (await q.call("w-unknown"), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"]


async def test_window_flow_and_wrong_transitions(q: QueueApp) -> None:
    ticket = await q.issue("cash")
    tid = ticket["ticket_id"]
    assert (await q.act(tid, "complete")).status_code == 409, "an issued ticket cannot be completed"
    assert (await q.open_window("w1", ["cash"], state="closed")).status_code == 200
    closed = await q.call("w1")
    assert closed.status_code == 409 and "closed" in closed.json()["detail"]
    assert (await q.open_window("w1", ["cash"])).status_code == 200
    called = await q.call("w1")
    assert called.status_code == 200 and called.json()["ticket_id"] == tid and called.json()["window_id"] == "w1"
    assert (await q.call("w1")).status_code == 409, "the window still has its customer"
    assert (await q.open_window("w1", ["cash"], state="break")).status_code == 409
    assert (await q.act(tid, "recall")).json()["status"] == "called"
    assert (await q.act(tid, "transfer", service="cash")).status_code == 422, "transfer to the same service"
    assert (await q.act(tid, "start")).json()["status"] == "serving"
    assert (await q.act(tid, "no-show")).status_code == 409, "no-show only from called"
    done = await q.act(tid, "complete")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert (await q.act(tid, "complete")).status_code == 409, "completing twice"
    assert (await q.act(tid, "transfer", service="fx")).status_code == 409, "transfer of a finished ticket"
    assert (await q.call("w1")).status_code == 204, "nobody waiting"
    window = await q.client.put(q.url("/windows/w1"), json={"state": "break", "skills": ["cash"]}, headers=TELLER)
    assert window.json()["state"] == "break"


async def test_undo_call_puts_the_ticket_back_at_the_head_and_frees_the_window(q: QueueApp) -> None:
    first, second = await q.issue("cash"), await q.issue("cash")
    await q.open_window("w1", ["cash"])
    await q.open_window("w2", ["cash"])
    tid = (await q.call("w1")).json()["ticket_id"]
    assert tid == first["ticket_id"]
    other_window = await q.client.post(q.url("/windows/w2/undo-call"), json={"ticket_id": tid}, headers=TELLER)
    assert other_window.status_code == 409 and "not at window w2" in other_window.json()["detail"]
    wrong = await q.act(tid, "no-show", window_id="w2")
    assert wrong.status_code == 409 and "not at window w2" in wrong.json()["detail"], "another window's ticket"
    q.clock.advance(3 / 60)
    undone = await q.client.post(q.url("/windows/w1/undo-call"), json={"ticket_id": tid}, headers=TELLER)
    assert undone.status_code == 200, undone.text
    assert (undone.json()["status"], undone.json()["window_id"]) == ("issued", None)
    status = await q.client.get(q.url(f"/tickets/{tid}"), headers=TELLER)
    assert status.json()["position"] == 1, "back at the head of its line"
    again = await q.call("w2")
    assert again.json()["ticket_id"] == tid, "the window is free and the same ticket is called next"
    q.clock.advance(6 / 60)
    late = await q.client.post(q.url("/windows/w2/undo-call"), json={"ticket_id": tid}, headers=TELLER)
    assert late.status_code == 409 and "too long ago" in late.json()["detail"]
    assert (await q.call("w1")).json()["ticket_id"] == second["ticket_id"]


async def test_transfer_keeps_the_original_issue_time(q: QueueApp) -> None:
    first = await q.issue("cash")
    q.clock.advance(1)
    later = await q.issue("general")
    await q.open_window("wc", ["cash"])
    await q.open_window("wg", ["general"])
    assert (await q.call("wc")).json()["ticket_id"] == first["ticket_id"]
    q.clock.advance(3)
    moved = await q.act(first["ticket_id"], "transfer", service="general")
    assert moved.json()["status"] == "transferred" and moved.json()["service"] == "general"
    got = (await q.client.get(q.url(f"/tickets/{first['ticket_id']}"), headers=KIOSK)).json()
    assert got["issued_at"] == first["issued_at"] and got["position"] == 1, "ahead of the later general ticket"
    assert (await q.call("wg")).json()["ticket_id"] == first["ticket_id"]
    assert (await q.call("wc")).status_code == 204
    await q.act(first["ticket_id"], "complete")
    assert (await q.call("wg")).json()["ticket_id"] == later["ticket_id"]


async def test_priority_skill_and_starvation_rules(q: QueueApp) -> None:
    normal = await q.issue("cash")
    q.clock.advance(2)
    elderly = await q.issue("cash", priority="elderly")
    fx = await q.issue("fx")
    await q.open_window("w1", ["cash", "fx"])
    assert (await q.call("w1")).json()["ticket_id"] == elderly["ticket_id"], "head start beats 2 minutes"
    await q.act(elderly["ticket_id"], "complete")
    assert (await q.call("w1")).json()["ticket_id"] == normal["ticket_id"], "own skill first"
    await q.act(normal["ticket_id"], "complete")
    q.clock.advance(11)
    await q.issue("cash")
    assert (await q.call("w1")).json()["ticket_id"] == fx["ticket_id"], "a secondary skill waiting long enough"


async def test_appointment_joins_at_its_time_and_cancel_abandon(q: QueueApp) -> None:
    at = (q.clock.now + dt.timedelta(minutes=30)).isoformat()
    booked = await q.issue("wealth", channel="appointment", appointment_at=at)
    assert booked["position"] is None and booked["joins_at"] is not None
    walk_in = await q.issue("wealth")
    q.clock.advance(0.1)
    gone = await q.issue("wealth")
    await q.open_window("w1", ["wealth"])
    assert (await q.call("w1")).json()["ticket_id"] == walk_in["ticket_id"]
    await q.act(walk_in["ticket_id"], "complete")
    cancel = await q.client.post(q.url(f"/tickets/{gone['ticket_id']}/cancel"), headers=KIOSK)
    assert cancel.json()["status"] == "cancelled"
    assert (await q.client.post(q.url(f"/tickets/{gone['ticket_id']}/complete"), headers=KIOSK)).status_code == 403
    assert (await q.call("w1")).status_code == 204, "the appointment is not due yet"
    q.clock.advance(31)
    assert (await q.call("w1")).json()["ticket_id"] == booked["ticket_id"]
    left = await q.issue("wealth")
    assert (await q.act(left["ticket_id"], "abandon")).json()["status"] == "abandoned"
    assert (await q.act(left["ticket_id"], "abandon")).status_code == 409


async def test_concurrent_tellers_never_share_a_ticket(q: QueueApp) -> None:
    windows = [f"w{i}" for i in range(6)]
    for w in windows:
        await q.open_window(w, ["cash", "general"])
    issued: list[dict[str, object]] = []
    for batch in range(4):  # 30 at once: the client pool has 64 connections
        issued += await asyncio.gather(
            *(q.issue("cash" if i % 3 else "general") for i in range(30 * batch, 30 * batch + 30))
        )
    served: list[str] = []

    async def teller(window: str) -> None:
        while True:
            got = await q.call(window)
            if got.status_code == 204:
                return
            assert got.status_code == 200, got.text
            served.append(got.json()["ticket_id"])
            done = await q.act(got.json()["ticket_id"], "complete")
            assert done.status_code == 200, (got.text, done.text)

    async def kiosk() -> None:
        for _ in range(40):
            issued.append(await q.issue("cash"))

    await asyncio.gather(kiosk(), *(teller(w) for w in windows))
    for w in windows:  # whatever the kiosk added after a teller stopped
        await teller(w)
    assert len(served) == len(set(served)), "a ticket was called twice"
    assert sorted(served) == sorted(str(t["ticket_id"]) for t in issued), "a ticket was lost"
    numbers = [t["number"] for t in issued if str(t["number"]).startswith("A")]
    assert len(numbers) == len(set(numbers)), "a number was handed out twice"
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, len(numbers) + 1)], "a number was skipped"


async def test_restart_loses_nothing(redis_url: str, session_broker: TansuBroker, q: QueueApp) -> None:
    a, b = await q.issue("fx"), await q.issue("fx")
    await q.open_window("w1", ["fx"])
    await q.call("w1")
    again = make_app(redis_url, make_platform(session_broker.bootstrap), q.clock)
    async with client_for(again) as client:
        got = (await client.get(q.url(f"/tickets/{b['ticket_id']}"), headers=KIOSK)).json()
        assert got["position"] == 1 and got["status"] == "issued"
        assert (await client.post(q.url("/windows/w1/call-next"), headers=TELLER)).status_code == 409
        done = await client.post(q.url(f"/tickets/{a['ticket_id']}/complete"), headers=TELLER)
        assert done.status_code == 200
        queue = (await client.get(q.url("/queue"), headers=MANAGER)).json()
        assert [s["service"] for s in queue["services"]] == ["fx"] and queue["services"][0]["waiting"] == 1
        assert queue["windows"][0]["window_id"] == "w1" and queue["arrivals"]
    await again.state.tickets.store._redis.aclose()


async def test_the_lean_snapshot_a_new_ticket_is_predicted_from_matches_the_full_read(q: QueueApp) -> None:
    await q.open_window("w1", ["cash", "general"])
    await q.issue("cash")
    await q.issue("general", priority="elderly")
    await q.issue("cash", channel="appointment", appointment_at=(T0 + dt.timedelta(hours=2)).isoformat())
    await q.issue("fx")
    called = await q.call("w1")  # one ticket leaves the line for the window
    assert called.status_code == 200
    reader, live = q.app.state.handlers.reader, q.app.state.tickets.live
    full, lean = await reader.snapshot(q.branch), await reader.lean(q.branch)
    assert lean.waiting == live._waiting(full.waiters.tickets + full.waiters.scheduled)
    assert len(lean.waiting) == 3 and lean.windows == full.windows and lean.model == full.model
    assert called.json()["ticket_id"] not in {w.ticket_id for w in lean.waiting}
    assert [w.ticket_id for w in lean.waiting][-1] == full.waiters.scheduled[0].ticket_id, "appointments last"


async def test_branch_is_announced_again_after_redis_lost_the_memberships(q: QueueApp) -> None:
    """The outbox relay finds a branch by its membership in a set; a ticket re-asserts it once a minute
    (and on the branch's first ticket), so a set lost with Redis data does not strand events for long."""
    store = q.app.state.tickets.store
    outbox_branches = store._outbox.branches_key
    await q.issue("cash")
    assert await store._redis.sismember(outbox_branches, q.branch)
    await store._redis.srem(outbox_branches, q.branch)
    await q.issue("cash")  # within the minute: not asserted again (one round trip saved per ticket)
    assert not await store._redis.sismember(outbox_branches, q.branch)
    store._announced[q.branch] -= 61.0  # a minute later
    third = await q.issue("cash")
    assert await store._redis.sismember(outbox_branches, q.branch)
    assert third["number"] == "A003"


async def test_forecast_agrees_with_the_queue_view(q: QueueApp) -> None:
    """The forecast reads the lean snapshot (no per-ticket estimates); its per-service figures are the
    queue view's, and the people in the lines are not counted again as people without a ticket."""
    await q.open_window("w1", ["cash", "general"])
    await q.open_window("w2", ["fx"])
    for service in ("cash", "cash", "general", "cash", "wealth"):
        await q.issue(service)
    await q.call("w1")
    live = q.app.state.tickets.live
    view = await live.view(q.branch, q.clock())
    forecast = await live.forecast(q.branch, q.clock())
    expected = {s.service.value: (s.waiting, s.open_windows, round(s.new_arrival.mean_min, 2)) for s in view.services}
    got = {s.service.value: (s.waiting, s.open_windows, s.est_wait_min) for s in forecast.per_service}
    assert got == expected
    assert set(got) == {"cash", "general", "fx", "wealth"}  # wealth: waiting with no window open
    assert got["cash"][0] == 2 and got["fx"][1] == 1
