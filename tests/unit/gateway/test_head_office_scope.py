"""A head-office user bound to one branch sees that branch only (issue 24 item 8): the head-office list,
the all-branch stream, and the network's ranking, CSV and trend."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from branchops.clock import platform_clock
from branchops.contracts import new_event, topics
from branchops.contracts.enums import Channel, ServiceName, TicketStatus
from branchops.contracts.events import Ticket
from branchops.settings import Role
from branchops.web import issue_token
from services.gateway.adapters.broadcaster import ALL_BRANCHES
from services.gateway.adapters.upstream import Upstreams
from services.gateway.bootstrap import build_app
from services.gateway.settings import GatewaySettings
from tests.conftest import make_platform


@pytest.fixture
def env() -> Iterator[tuple[TestClient, Any, dict[str, str], dict[str, str], list[httpx.Request]]]:
    calls: list[httpx.Request] = []

    def records(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={"branches": []})

    settings = GatewaySettings(branches=["b1", "b2"], cookie_secure=False)
    platform = make_platform("127.0.0.1:1")
    app = build_app(settings, platform, upstreams=Upstreams(settings, transport=httpx.MockTransport(records)))
    network = {"Authorization": f"Bearer {issue_token(platform, 'hq', Role.HEAD_OFFICE)}"}
    bound = {"Authorization": f"Bearer {issue_token(platform, 'hq-east', Role.HEAD_OFFICE, 'b1')}"}
    yield TestClient(app), app, network, bound, calls


async def _feed(app: Any) -> None:
    now = platform_clock().now()
    for branch in ("b1", "b2"):
        data = Ticket(
            branch_id=branch,
            at=now,
            ticket_id=f"t-{branch}",
            number="A001",
            service=ServiceName.CASH,
            status=TicketStatus.ISSUED,
            channel=Channel.KIOSK,
        )
        await app.state.gateway.handlers.on_event(new_event(topics.TICKETS, data, source="branchops/test/scope"))


def test_the_head_office_list_is_scoped(env: Any) -> None:
    client, app, network, bound, _ = env
    asyncio.run(_feed(app))
    everyone = client.get("/v1/head-office/branches", headers=network).json()
    own = client.get("/v1/head-office/branches", headers=bound).json()
    assert [r["branch_id"] for r in everyone["branches"]] == ["b1", "b2"]
    assert [r["branch_id"] for r in own["branches"]] == ["b1"]
    assert own["totals"]["tickets_today"] == 1  # the other branch's ticket is not in the totals either
    assert client.get("/v1/head-office/branches/b2", headers=bound).status_code == 403


def test_the_all_branch_stream_is_the_own_branch_stream(env: Any) -> None:
    _, app, network, bound, _ = env
    keys: list[str] = []

    def spy(key: str, accepts: Any) -> Any:
        keys.append(key)
        raise RuntimeError("the spy ends the stream")

    app.state.broadcaster.subscribe = spy
    app.state.gateway.broadcaster.subscribe = spy
    quiet = TestClient(app, raise_server_exceptions=False)
    quiet.get("/v1/stream", headers=network)
    quiet.get("/v1/stream", headers=bound)
    assert keys == [ALL_BRANCHES, "b1"]


def test_network_reports_are_refused_to_a_bound_user(env: Any) -> None:
    client, _, network, bound, calls = env
    for path in ("/v1/reports/branches", "/v1/reports/branches.csv", "/v1/reports/trend"):
        refused = client.get(path, headers=bound)
        assert refused.status_code == 403 and refused.json()["reason"] == "branch_scoped", path
        assert client.get(path, headers=network).status_code == 200, path
    assert client.get("/v1/reports/trend?branch_id=b1", headers=bound).status_code == 200
    assert client.get("/v1/reports/trend?branch_id=b2", headers=bound).status_code == 403
    assert len(calls) == 4  # three network calls and the own branch's trend reached records; no refused one
