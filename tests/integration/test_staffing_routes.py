"""Staffing HTTP routes against real Redis (and the session's broker): bad input, roles, ack semantics."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from branchops.contracts import new_event, topics
from branchops.contracts.enums import CameraState
from branchops.contracts.events import CameraStatus
from branchops.devstack import TansuBroker
from branchops.settings import Role
from tests.conftest import api_key, make_platform
from tests.integration.staffing_support import FakeClock, running_app, small_instance, staffing_settings

MANAGER = {"X-API-Key": api_key(Role.MANAGER)}


@pytest.fixture
async def env(session_broker: TansuBroker, redis_url: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient, FakeClock]]:
    clock = FakeClock()
    settings = staffing_settings(redis_url, max_body_bytes=20_000)
    async with running_app(settings, make_platform(session_broker.bootstrap), clock) as (app, client):
        yield app, client, clock


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda i: i.update(interval_minutes=7), "does not divide"),
        (lambda i: i["staff"][0].update(skills=[]), "has no skills"),
        (lambda i: i["services"]["general"].update(arrivals=[0] * 16), "no arrivals"),
        (lambda i: i["services"]["general"]["arrivals"].__setitem__(3, -2), "at least 0"),
        (lambda i: i["services"].update(mortgages=i["services"]["general"]), "unknown service"),
        (lambda i: i.update(min_open_windows=9), "exceeds max_windows"),
        (lambda i: i.update(date="tomorrow"), "YYYY-MM-DD"),
    ],
)
async def test_invalid_instances_answer_422_with_the_reason(env: Any, change: Any, reason: str) -> None:
    _, client, _ = env
    instance = small_instance(f"rt-{uuid.uuid4().hex[:8]}")
    change(instance)
    body = _problem(await client.post("/v1/plans:solve", json=instance, headers=MANAGER), 422)
    assert reason in body["detail"]


async def test_body_limits_and_malformed_json(env: Any) -> None:
    _, client, _ = env
    assert _problem(await client.post("/v1/plans:solve", content=b"{nope", headers=MANAGER), 400)
    big = b'{"pad": "' + b"x" * 30_000 + b'"}'
    assert _problem(await client.post("/v1/plans:solve", content=big, headers=MANAGER), 413)
    assert _problem(await client.post("/v1/plans:solve", json=[1, 2], headers=MANAGER), 422)


async def test_roles_and_branch_binding(env: Any) -> None:
    _, client, _ = env
    instance = small_instance(f"rt-{uuid.uuid4().hex[:8]}")
    assert _problem(await client.post("/v1/plans:solve", json=instance), 401)
    for role in (Role.TELLER, Role.KIOSK):
        assert _problem(await client.post("/v1/plans:solve", json=instance, headers={"X-API-Key": api_key(role)}), 403)
    assert _problem(
        await client.get(f"/v1/branches/{instance['branch_id']}/alerts", headers={"X-API-Key": api_key(Role.KIOSK)}),
        403,
    )
    other = await client.put("/v1/branches/elsewhere/instance", json=instance, headers=MANAGER)
    assert "does not match" in _problem(other, 422)["detail"]


async def test_too_few_staff_gives_a_plan_with_named_shortfalls(env: Any) -> None:
    _, client, _ = env
    branch = f"rt-{uuid.uuid4().hex[:8]}"
    assert _problem(await client.get(f"/v1/branches/{branch}/plan", headers=MANAGER), 404)
    solved = await client.post("/v1/plans:solve", json=small_instance(branch, staff_count=1), headers=MANAGER)
    assert solved.status_code == 200, solved.text
    plan = solved.json()
    assert plan["status"] == "INFEASIBLE" and plan["shortfalls"]
    assert all(s["missing_windows"] > 0 and s["start"] for s in plan["shortfalls"])
    stored = await client.get(f"/v1/branches/{branch}/plan", headers={"X-API-Key": api_key(Role.HEAD_OFFICE)})
    assert stored.status_code == 200 and stored.json()["version"] == 1
    again = await client.post("/v1/plans:solve", json=small_instance(branch, staff_count=1), headers=MANAGER)
    assert again.json()["version"] == 2  # every new plan of the branch-day is a new version


async def test_put_instance_then_read(env: Any) -> None:
    _, client, _ = env
    branch = f"rt-{uuid.uuid4().hex[:8]}"
    put = await client.put(f"/v1/branches/{branch}/instance", json=small_instance(branch), headers=MANAGER)
    assert put.status_code == 204
    broken = copy.deepcopy(small_instance(branch))
    del broken["shift_types"]
    assert _problem(await client.put(f"/v1/branches/{branch}/instance", json=broken, headers=MANAGER), 422)


async def test_camera_down_alert_ack_is_idempotent_unknown_404_expired_409(env: Any) -> None:
    app, client, clock = env
    branch = f"rt-{uuid.uuid4().hex[:8]}"
    for camera in ("cam-1", "cam-2", "cam-1"):  # the same camera twice: one alert
        status = CameraStatus(branch_id=branch, at=clock(), camera_id=camera, state=CameraState.DOWN, error="no frames")
        await app.state.handlers.on_camera_status(new_event(topics.CAMERA_STATUS, status, source="branchops/queue/t"))
    listed = (await client.get(f"/v1/branches/{branch}/alerts", headers=MANAGER)).json()["alerts"]
    assert sorted(a["reason"]["camera_id"] for a in listed) == ["cam-1", "cam-2"]
    assert {a["kind"] for a in listed} == {"camera_down"} and all(a["message"]["zh"] for a in listed)
    first, second = listed

    url = f"/v1/branches/{branch}/alerts/{first['alert_id']}/ack"
    assert _problem(await client.post(url, headers={"X-API-Key": api_key(Role.HEAD_OFFICE)}), 403)
    one = await client.post(url, headers=MANAGER)
    two = await client.post(url, headers=MANAGER)
    assert one.status_code == two.status_code == 200 and one.json() == two.json()
    assert _problem(await client.post(f"/v1/branches/{branch}/alerts/al-unknown/ack", headers=MANAGER), 404)
    assert _problem(await client.post(f"/v1/branches/{branch}/alerts/bad:id/ack", headers=MANAGER), 422)

    clock.advance(hours=2)  # past the camera alert's expiry
    expired = _problem(
        await client.post(f"/v1/branches/{branch}/alerts/{second['alert_id']}/ack", headers=MANAGER), 409
    )
    assert "expired" in expired["detail"]
    assert (await client.get(f"/v1/branches/{branch}/alerts", headers=MANAGER)).json()["alerts"] == []
