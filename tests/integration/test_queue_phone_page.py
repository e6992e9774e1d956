"""The phone ticket page's data behind a ticket's token, against the real Redis (issue 18 item 3)."""

from __future__ import annotations

import pytest

from services.queue.domain.ticket_token import mint
from tests.integration.test_queue_api import KIOSK, QueueApp, q  # noqa: F401 - the fixture

pytestmark = pytest.mark.asyncio


async def test_the_slip_token_shows_place_wait_near_and_window(q: QueueApp) -> None:  # noqa: F811
    await q.open_window("w1", ["cash"])
    tickets = [await q.issue("cash") for _ in range(6)]
    last = tickets[-1]
    assert isinstance(last["token"], str) and str(last["ticket_id"]) not in last["token"].split(".")[1]
    page = await q.client.get(f"/v1/public/tickets/{last['token']}")  # no credential at all
    assert page.status_code == 200, page.text
    body = page.json()
    assert (body["number"], body["position"], body["status"], body["near"]) == (last["number"], 6, "issued", False)
    assert body["wait"]["high_min"] >= body["wait"]["low_min"] + 2
    assert not {"ticket_id", "token", "staff_id", "phone"} & body.keys()  # the number only, nobody's data
    for _ in range(2):  # two served: 3 ahead now, the page says the turn is near
        called = await q.call("w1")
        assert called.status_code == 200, called.text
        await q.act(called.json()["ticket_id"], "complete")
    assert (await q.client.get(f"/v1/public/tickets/{last['token']}")).json()["near"] is True
    first = tickets[0]
    called_first = (await q.client.get(f"/v1/public/tickets/{first['token']}")).json()
    assert called_first["status"] in ("completed",) and called_first["near"] is False
    third = (await q.client.get(f"/v1/public/tickets/{tickets[2]['token']}")).json()
    assert third["position"] == 1 and third["window_id"] is None
    await q.call("w1")
    third = (await q.client.get(f"/v1/public/tickets/{tickets[2]['token']}")).json()
    assert (third["status"], third["window_id"]) == ("called", "w1")  # the window when called


async def test_cancel_by_token_once_then_conflict(q: QueueApp) -> None:  # noqa: F811
    ticket = await q.issue("cash")
    cancelled = await q.client.post(f"/v1/public/tickets/{ticket['token']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    again = await q.client.post(f"/v1/public/tickets/{ticket['token']}/cancel")
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    staff_view = await q.client.get(q.url(f"/tickets/{ticket['ticket_id']}"), headers=KIOSK)
    assert staff_view.json()["status"] == "cancelled"  # the same ticket, nothing lost or doubled


async def test_forged_and_gone_tickets_get_the_same_404(q: QueueApp) -> None:  # noqa: F811
    ticket = await q.issue("cash")
    key = q.app.state.phone_tickets.key
    forged = ticket["token"][:-2] + ("AA" if not ticket["token"].endswith("AA") else "BB")
    gone = mint(key, q.branch, "t-never-issued")  # a real MAC for a ticket that does not exist
    answers = []
    for token in (forged, gone, "nonsense", "a" * 399):
        for method, path in (("GET", f"/v1/public/tickets/{token}"), ("POST", f"/v1/public/tickets/{token}/cancel")):
            got = await q.client.request(method, path)
            assert got.status_code == 404, (token, got.text)
            answers.append((got.json()["title"], got.json()["detail"]))
    assert len(set(answers)) == 1  # one answer: the page cannot tell a forged link from a finished ticket
    assert (await q.client.get(f"/v1/public/tickets/{'a' * 401}")).status_code == 422
    still = await q.client.get(f"/v1/public/tickets/{ticket['token']}")
    assert still.json()["status"] == "issued"  # the probing changed nothing
