"""A teller sends the customer to a named window: the queue app against the real Redis.

Only that window calls the ticket (before its own lines, even when another window with the skill is free);
when it closes or pauses the ticket goes back to its service line at its place in time; bad targets are
refused with a reason; concurrent calls never call it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from branchops.contracts.enums import WindowState
from branchops.contracts.events import Window
from branchops.devstack import TansuBroker
from tests.conftest import make_platform
from tests.integration.test_queue_api import KIOSK, TELLER, Clock, QueueApp, client_for, make_app


@pytest.fixture
async def q(redis_url: str, session_broker: TansuBroker) -> AsyncIterator[QueueApp]:
    clock = Clock()
    app = make_app(redis_url, make_platform(session_broker.bootstrap), clock)
    async with client_for(app) as client:
        yield QueueApp(app, client, clock)
    await app.state.tickets.store._redis.aclose()


async def _at_window(q: QueueApp, window: str, service: str = "cash") -> str:
    """A ticket of ``service`` issued and called at ``window`` (its id)."""
    ticket = await q.issue(service)
    called = await q.call(window)
    assert called.status_code == 200, called.text
    assert called.json()["ticket_id"] == ticket["ticket_id"]
    return str(ticket["ticket_id"])


async def _directed(q: QueueApp, window: str) -> int:
    got = await q.client.get(q.url(f"/windows/{window}/directed"), headers=TELLER)
    assert got.status_code == 200, got.text
    return int(got.json()["waiting"])


async def test_only_the_target_window_calls_a_directed_ticket_and_first(q: QueueApp) -> None:
    for window, skills in (("w1", ["cash"]), ("w2", ["cash"]), ("w3", ["general"])):
        assert (await q.open_window(window, skills)).status_code == 200
    tid = await _at_window(q, "w1")
    older = await q.issue("general")  # waiting in w3's own service line since before the transfer
    q.clock.advance(2)
    moved = await q.act(tid, "transfer", to_window="w3", window_id="w1")
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.json()["window_id"], moved.json()["service"]) == ("transferred", None, "cash")
    assert await _directed(q, "w3") == 1
    view = (await q.client.get(q.url(f"/tickets/{tid}"), headers=KIOSK)).json()
    assert view["position"] == 1, "its place is its rank in the window's own line"
    assert view["wait"] is not None and view["wait"]["low_min"] >= 0
    # w2 is free and serves cash: it never gets the ticket directed to w3
    other = await q.call("w2")
    assert other.status_code in (200, 204), other.text
    assert other.status_code == 204 or other.json()["ticket_id"] != tid
    called = await q.call("w3")  # w3 does not serve cash, but the ticket was sent to it: it comes first
    assert called.status_code == 200, called.text
    assert (called.json()["ticket_id"], called.json()["window_id"]) == (tid, "w3")
    assert await _directed(q, "w3") == 0
    assert (await q.act(tid, "complete", window_id="w3")).status_code == 200
    after = await q.call("w3")
    assert after.json()["ticket_id"] == older["ticket_id"], "then its own lines as usual"


async def test_a_service_can_change_with_the_window(q: QueueApp) -> None:
    for window, skills in (("w1", ["cash"]), ("w2", ["general", "cash"])):
        assert (await q.open_window(window, skills)).status_code == 200
    tid = await _at_window(q, "w1")
    moved = await q.act(tid, "transfer", to_window="w2", service="wealth")
    assert (moved.status_code, moved.json()["service"]) == (200, "wealth"), moved.text
    called = await q.call("w2")
    assert called.json()["ticket_id"] == tid, "a window calls what was sent to it whatever its skills"


async def test_closing_the_target_window_returns_its_tickets_to_their_line_at_their_place(q: QueueApp) -> None:
    for window, skills in (("w1", ["cash"]), ("w2", ["cash"])):
        assert (await q.open_window(window, skills)).status_code == 200
    tid = await _at_window(q, "w1")  # issued first: the oldest cash ticket
    q.clock.advance(1)
    later = await q.issue("cash")
    assert (await q.act(tid, "transfer", to_window="w2")).status_code == 200
    assert (await q.client.get(q.url(f"/tickets/{later['ticket_id']}"), headers=KIOSK)).json()["position"] == 1
    assert (await q.open_window("w2", ["cash"], state="closed")).status_code == 200
    assert await _directed(q, "w2") == 0
    back = (await q.client.get(q.url(f"/tickets/{tid}"), headers=KIOSK)).json()
    assert (back["status"], back["position"]) == ("transferred", 1), "back at its original place, ahead of later"
    called = await q.call("w1")
    assert called.json()["ticket_id"] == tid


async def test_a_break_of_the_target_window_returns_its_tickets_too(q: QueueApp) -> None:
    for window, skills in (("w1", ["cash"]), ("w2", ["cash"])):
        assert (await q.open_window(window, skills)).status_code == 200
    tid = await _at_window(q, "w1")
    assert (await q.act(tid, "transfer", to_window="w2")).status_code == 200
    assert (await q.open_window("w2", ["cash"], state="break")).status_code == 200
    assert (await q.call("w1")).json()["ticket_id"] == tid


async def test_bad_targets_are_refused_with_a_reason_and_lose_nothing(q: QueueApp) -> None:
    assert (await q.open_window("w1", ["cash"])).status_code == 200
    assert (await q.open_window("w2", ["cash"], state="closed")).status_code == 200
    tid = await _at_window(q, "w1")
    cases = [
        (await q.act(tid, "transfer", to_window="w-none"), 404, "unknown_window"),
        (await q.act(tid, "transfer", to_window="w2"), 409, "window_not_open"),
        (await q.act(tid, "transfer", to_window="w1"), 422, "own_window"),
    ]
    for response, status, reason in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["reason"] == reason and response.json()["detail"]
    malformed = await q.act(tid, "transfer", to_window="w 1/x")
    assert malformed.status_code == 422
    not_transfer = await q.act(tid, "recall", to_window="w2")
    assert not_transfer.status_code == 422
    still = (await q.client.get(q.url(f"/tickets/{tid}"), headers=TELLER)).json()
    assert (still["status"], still["window_id"]) == ("called", "w1"), "a refused transfer changes nothing"


async def test_undoing_the_call_of_a_directed_ticket_puts_it_back_in_the_window_line(q: QueueApp) -> None:
    for window, skills in (("w1", ["cash"]), ("w2", ["cash"])):
        assert (await q.open_window(window, skills)).status_code == 200
    tid = await _at_window(q, "w1")
    assert (await q.act(tid, "transfer", to_window="w2")).status_code == 200
    assert (await q.call("w2")).json()["ticket_id"] == tid
    undone = await q.client.post(q.url("/windows/w2/undo-call"), json={"ticket_id": tid}, headers=TELLER)
    assert undone.status_code == 200, undone.text
    assert await _directed(q, "w2") == 1
    assert (await q.call("w1")).status_code == 204, "still not w1's to call"
    assert (await q.call("w2")).json()["ticket_id"] == tid


async def test_concurrent_calls_never_call_a_directed_ticket_twice(q: QueueApp) -> None:
    windows = [f"w{i}" for i in range(1, 6)]
    for window in windows:
        assert (await q.open_window(window, ["cash"])).status_code == 200
    directed: list[str] = []
    for _ in range(4):  # four customers sent from w1 to w2
        tid = await _at_window(q, "w1")
        assert (await q.act(tid, "transfer", to_window="w2")).status_code == 200
        directed.append(tid)
    for _ in range(6):
        await q.issue("cash")
    seen: list[tuple[str, str]] = []

    async def teller(window: str) -> None:
        for _ in range(12):
            got = await q.call(window)
            if got.status_code == 204 or (got.status_code == 409 and "closed" in got.json()["detail"]):
                return
            assert got.status_code == 200, got.text
            tid = got.json()["ticket_id"]
            seen.append((window, tid))
            assert (await q.act(tid, "complete", window_id=window)).status_code == 200

    # w2 closes half way: what it had not called yet goes back to the cash line
    async def close_w2() -> None:
        await asyncio.sleep(0.05)
        while True:
            got = await q.open_window("w2", ["cash"], state="closed")
            if got.status_code == 200:
                return
            assert got.status_code == 409, got.text  # still serving someone: try again
            await asyncio.sleep(0.01)

    await asyncio.gather(*(teller(w) for w in windows), close_w2())
    await teller("w1")  # whoever went back to the cash line after the others ran dry
    ids = [tid for _, tid in seen]
    assert len(ids) == len(set(ids)), "no ticket called twice"
    assert set(directed) <= set(ids), "no directed customer stranded"
    assert await _directed(q, "w2") == 0


async def test_the_phone_page_shows_the_place_and_wait_in_the_windows_line(q: QueueApp) -> None:
    for window, skills in (("w1", ["cash"]), ("w2", ["general"])):
        assert (await q.open_window(window, skills)).status_code == 200
    slips = []
    for _ in range(2):  # two customers sent from w1 to w2, one after the other
        ticket = await q.issue("cash")
        assert (await q.call("w1")).json()["ticket_id"] == ticket["ticket_id"]
        assert (await q.act(ticket["ticket_id"], "transfer", to_window="w2")).status_code == 200
        slips.append(ticket)
    for _ in range(3):  # w2's own service line is longer: it does not count for who was sent to it
        await q.issue("general")
    pages = [(await q.client.get(f"/v1/public/tickets/{s['token']}")).json() for s in slips]
    assert [p["position"] for p in pages] == [1, 2]
    assert [p["status"] for p in pages] == ["transferred", "transferred"]
    assert pages[1]["wait"]["high_min"] > pages[0]["wait"]["high_min"], "one more customer ahead"
    assert (await q.call("w2")).json()["ticket_id"] == slips[0]["ticket_id"]
    called = (await q.client.get(f"/v1/public/tickets/{slips[0]['token']}")).json()
    assert (called["status"], called["window_id"]) == ("called", "w2"), "the page shows the window when called"
    assert (await q.client.get(f"/v1/public/tickets/{slips[1]['token']}")).json()["position"] == 1


async def test_a_window_closed_by_another_producer_returns_its_directed_tickets(q: QueueApp) -> None:
    for window, skills in (("w1", ["cash"]), ("w2", ["cash"])):
        assert (await q.open_window(window, skills)).status_code == 200
    tid = await _at_window(q, "w1")
    assert (await q.act(tid, "transfer", to_window="w2")).status_code == 200
    q.clock.advance(1)
    closed = Window(branch_id=q.branch, at=q.clock.now, window_id="w2", state=WindowState.CLOSED, skills=[])
    assert await q.app.state.windows.store.apply_external(closed) is True
    assert await _directed(q, "w2") == 0
    assert (await q.call("w1")).json()["ticket_id"] == tid, "back in the cash line"
