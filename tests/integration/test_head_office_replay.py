"""``GET /v1/head-office/replay`` (issue 22 item 4, through the head-office API): a real broker (tansu, or
Apache Kafka under ``BRANCHOPS_DEV_BROKER=kafka``) holds ticket events stamped before, inside and after a
one-hour period two days ago; the gateway streams exactly the period's events as JSON lines, scoped to the
caller's branch, and refuses bad requests with a reason."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from fastapi.testclient import TestClient

from branchops.contracts import encode, new_event, topics
from branchops.devstack import TansuBroker
from branchops.settings import Role
from branchops.web import issue_token
from services.gateway.bootstrap import build_app
from services.gateway.routes.history import MAX_REPLAYS, ReplaySlots
from services.gateway.settings import GatewaySettings
from tests.conftest import BROKER_CAPABILITIES, make_platform
from tests.integration.kafka_helpers import ticket

START = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
END = START + dt.timedelta(hours=1)
PERIOD = {"topic": "tickets.v1", "since": START.isoformat(), "until": END.isoformat()}


async def _fill(bootstrap: str) -> dict[str, set[str]]:
    """6 tickets before the period, 8 inside (4 a branch), 6 at or after its end; the ids inside by branch."""
    inside: dict[str, set[str]] = {"b1": set(), "b2": set()}
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        plan = (
            [(START - dt.timedelta(minutes=30 - i), False) for i in range(6)]
            + [(START + dt.timedelta(minutes=7 * i), True) for i in range(8)]
            + [(END + dt.timedelta(minutes=i), False) for i in range(6)]
        )
        for n, (at, is_inside) in enumerate(plan, start=1):
            branch = ("b1", "b2")[n % 2]
            event = new_event(topics.TICKETS, ticket(branch, n), source="branchops/test/ho-replay")
            await producer.send_and_wait(
                topics.TICKETS.name, encode(event), key=branch.encode(), timestamp_ms=int(at.timestamp() * 1000)
            )
            if is_inside:
                inside[branch].add(f"t{n}")
    finally:
        await producer.stop()
    return inside


@pytest.fixture
def env(broker: TansuBroker) -> tuple[TestClient, Any, dict[str, set[str]], Any]:
    inside = asyncio.run(_fill(broker.bootstrap))
    platform = make_platform(broker.bootstrap)
    app = build_app(GatewaySettings(branches=["b1", "b2"], cookie_secure=False), platform)
    return TestClient(app), app, inside, platform


def _bearer(platform: Any, role: Role, branch: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(platform, f'{role.value}-{branch}', role, branch)}"}


def _lines(body: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    lines = [json.loads(line) for line in body.splitlines()]
    return lines[:-1], lines[-1]["replay"]


def test_head_office_reads_exactly_the_period(env: Any) -> None:
    client, _, inside, platform = env
    answer = client.get("/v1/head-office/replay", params=PERIOD, headers=_bearer(platform, Role.HEAD_OFFICE))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    events, summary = _lines(answer.text)
    assert {e["event"]["data"]["ticket_id"] for e in events} == inside["b1"] | inside["b2"]
    assert all(START <= dt.datetime.fromisoformat(e["timestamp"]) < END for e in events)
    assert summary["matched"] == 8 and summary["method"] in ("offsets_for_times", "scan")
    assert summary["topic"] == "branchops.tickets.v1"
    _, offsets_for_times = BROKER_CAPABILITIES.get(platform.kafka_bootstrap, (False, False))
    if offsets_for_times:  # Apache Kafka: the broker's time index gave the offsets, only the period was read
        assert summary["method"] == "offsets_for_times" and summary["read"] == 8, summary
    else:  # tansu: every record of the topic was read and filtered by time
        assert summary["method"] == "scan" and summary["read"] >= 20, summary

    one = client.get(
        "/v1/head-office/replay", params={**PERIOD, "branch": "b2"}, headers=_bearer(platform, Role.HEAD_OFFICE)
    )
    events, summary = _lines(one.text)
    assert {e["event"]["data"]["ticket_id"] for e in events} == inside["b2"] and summary["branch"] == "b2"


def test_a_branch_bound_head_office_user_reads_its_branch_only(env: Any) -> None:
    client, _, inside, platform = env
    bound = _bearer(platform, Role.HEAD_OFFICE, "b1")
    answer = client.get("/v1/head-office/replay", params=PERIOD, headers=bound)
    events, summary = _lines(answer.text)
    assert {e["event"]["data"]["ticket_id"] for e in events} == inside["b1"]
    assert {e["key"] for e in events} == {"b1"} and summary["branch"] == "b1"
    other = client.get("/v1/head-office/replay", params={**PERIOD, "branch": "b2"}, headers=bound)
    assert other.status_code == 403 and other.json()["reason"] == "branch_scoped"


def test_bad_requests_are_refused_with_a_reason(env: Any) -> None:
    client, app, _, platform = env
    hq = _bearer(platform, Role.HEAD_OFFICE)
    cases = [
        ({**PERIOD, "topic": "nope.v1"}, 422, "unknown_topic"),
        ({**PERIOD, "until": PERIOD["since"]}, 422, "empty_period"),
        ({**PERIOD, "until": (START + dt.timedelta(days=40)).isoformat()}, 422, "period_too_long"),
        ({**PERIOD, "since": START.replace(tzinfo=None).isoformat()}, 422, "time_zone_required"),
    ]
    for params, status, reason in cases:
        answer = client.get("/v1/head-office/replay", params=params, headers=hq)
        assert (answer.status_code, answer.json().get("reason")) == (status, reason), answer.text
    assert client.get("/v1/head-office/replay", params={**PERIOD, "since": "yesterday"}, headers=hq).status_code == 422
    teller = client.get("/v1/head-office/replay", params=PERIOD, headers=_bearer(platform, Role.TELLER, "b1"))
    assert teller.status_code == 403
    app.state.replay_slots = ReplaySlots(in_use=MAX_REPLAYS)
    busy = client.get("/v1/head-office/replay", params=PERIOD, headers=hq)
    assert busy.status_code == 429 and busy.json()["reason"] == "replay_busy" and busy.headers["retry-after"]
    app.state.replay_slots = ReplaySlots()
    client.get("/v1/head-office/replay", params=PERIOD, headers=hq)
    assert app.state.replay_slots.in_use == 0, "a finished replay gives its slot back"


def test_an_unreachable_broker_is_a_503() -> None:
    platform = make_platform("127.0.0.1:1")
    app = build_app(GatewaySettings(branches=["b1"], cookie_secure=False), platform)
    client = TestClient(app)
    answer = client.get("/v1/head-office/replay", params=PERIOD, headers=_bearer(platform, Role.HEAD_OFFICE))
    assert answer.status_code == 503 and answer.json()["reason"] == "broker_unavailable"
    assert app.state.replay_slots.in_use == 0
