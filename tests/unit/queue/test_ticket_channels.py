"""Issue 24 item 2: the channel of a new ticket (and so the priorities it may carry) follows the caller's
role. A kiosk posting ``channel: teller, priority: vip`` straight to the queue was given a VIP ticket."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from branchops.contracts.enums import Channel, Priority
from branchops.settings import Role
from services.queue.bootstrap import build_app
from services.queue.domain.errors import PriorityNotAllowed, QueueError
from services.queue.domain.routing import RoutingRules
from services.queue.domain.tickets import IssueTicket
from services.queue.routes.deps import get_tickets
from services.queue.settings import QueueSettings
from tests.conftest import api_key, make_platform


class FakeTickets:
    """Stands in for the use case: checks the priority policy like it does, then stops (no Redis)."""

    def __init__(self) -> None:
        self.issued: list[IssueTicket] = []

    async def issue(self, command: IssueTicket) -> Any:
        if not RoutingRules().priority_allowed(command.priority, command.channel):
            raise PriorityNotAllowed("refused by the priority policy")
        self.issued.append(command)
        raise QueueError("reached the use case")


@pytest.fixture
def queue() -> tuple[TestClient, FakeTickets]:
    app = build_app(QueueSettings(), make_platform("127.0.0.1:1"))
    fake = FakeTickets()
    app.dependency_overrides[get_tickets] = lambda: fake
    return TestClient(app), fake  # no lifespan: no Redis or Kafka


def post(client: TestClient, role: Role, **body: str) -> Any:
    return client.post(
        "/v1/branches/b1/tickets", json={"service": "cash", **body}, headers={"X-API-Key": api_key(role)}
    )


@pytest.mark.parametrize(
    ("channel", "priority"),
    [("teller", "vip"), ("teller", "urgent"), ("appointment", "vip"), ("voice", "urgent"), ("teller", "normal")],
)
def test_a_kiosk_cannot_claim_another_channel(
    queue: tuple[TestClient, FakeTickets], channel: str, priority: str
) -> None:
    client, fake = queue
    answer = post(client, Role.KIOSK, channel=channel, priority=priority)
    assert answer.status_code == 403, answer.text
    assert answer.json()["reason"] == "channel_not_allowed"
    assert fake.issued == []


def test_a_kiosk_issues_kiosk_tickets_and_may_claim_elderly_not_vip(queue: tuple[TestClient, FakeTickets]) -> None:
    client, fake = queue
    assert post(client, Role.KIOSK, priority="elderly").json()["detail"] == "reached the use case"
    assert post(client, Role.KIOSK, channel="kiosk", priority="disabled").json()["detail"] == "reached the use case"
    assert post(client, Role.KIOSK, priority="vip").status_code == 422
    assert [(c.channel, c.priority) for c in fake.issued] == [
        (Channel.KIOSK, Priority.ELDERLY),
        (Channel.KIOSK, Priority.DISABLED),
    ]


def test_staff_and_the_voice_service_keep_their_channels(queue: tuple[TestClient, FakeTickets]) -> None:
    client, fake = queue
    assert post(client, Role.TELLER, channel="teller", priority="vip").json()["detail"] == "reached the use case"
    assert post(client, Role.MANAGER, channel="appointment", priority="vip").json()["detail"] == "reached the use case"
    assert post(client, Role.TELLER, channel="voice", priority="urgent").status_code == 403
    # the voice hand-off: a service credential, channel voice, priority urgent
    assert post(client, Role.SERVICE, channel="voice", priority="urgent").json()["detail"] == "reached the use case"
    assert [(c.channel, c.priority) for c in fake.issued] == [
        (Channel.TELLER, Priority.VIP),
        (Channel.APPOINTMENT, Priority.VIP),
        (Channel.VOICE, Priority.URGENT),
    ]
