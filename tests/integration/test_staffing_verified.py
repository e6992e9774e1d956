"""Mixed-skill days through the staffing app with real Redis and the session's broker: the plan of a mixed
day is verified on the floor, stored and announced with its verification, the same again for the same seed;
a single-service day is planned as before, without one; the day plan of a configuration whose window serves
two services is verified. Generous budgets: nothing here is timed."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from branchops.contracts import topics
from branchops.contracts.branch_config import BranchConfig
from branchops.devstack import TansuBroker
from branchops.settings import PlatformSettings, Role
from tests.conftest import api_key, make_platform
from tests.integration.kafka_helpers import read_topic
from tests.integration.staffing_support import (
    SHANGHAI,
    FakeClock,
    running_app,
    small_instance,
    staffing_settings,
    today,
)

MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
MIXED = Path(__file__).resolve().parents[2] / "bench" / "staffing" / "mixed_day_2svc.json"


@pytest.fixture
async def env(session_broker: TansuBroker, redis_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, PlatformSettings]]:
    platform = make_platform(session_broker.bootstrap)
    settings = staffing_settings(redis_url, solve_time_limit_s=300.0, verify_days=120)
    async with running_app(settings, platform, FakeClock()) as (_, client):
        yield client, platform


def mixed_instance(branch: str) -> dict[str, Any]:
    instance: dict[str, Any] = json.loads(MIXED.read_text())["instance"]
    return instance | {"branch_id": branch, "date": today().isoformat()}


async def announced(platform: PlatformSettings, branch: str, count: int) -> list[dict[str, Any]]:
    records = await read_topic(
        platform.kafka_bootstrap,
        topics.STAFFING_PLAN.name,
        expect=0,
        timeout_s=30,
        until=lambda rs: sum(json.loads(r.value)["subject"] == branch for r in rs) >= count,
    )
    return [json.loads(r.value)["data"] for r in records if json.loads(r.value)["subject"] == branch]


def _same_plan(a: dict[str, Any], b: dict[str, Any]) -> bool:
    skip = {"solve_ms", "version"}
    return {k: v for k, v in a.items() if k not in skip} == {k: v for k, v in b.items() if k not in skip}


async def test_a_mixed_day_is_verified_stored_announced_and_repeats(env: Any) -> None:
    client, platform = env
    branch = f"vf-{uuid.uuid4().hex[:8]}"
    solved = await client.post("/v1/plans:solve", json=mixed_instance(branch), headers=MANAGER)
    assert solved.status_code == 200, solved.text
    plan = solved.json()
    check = plan["verification"]
    assert check["worst_interval"] >= 0.8 and min(check["service_worst"].values()) >= 0.8
    assert set(check["service_worst"]) == {"cash", "corporate"}
    assert check["replications"] == 120 and check["reproducible"]
    assert check["gap"] is not None and 0.0 <= check["gap"] < 0.05
    stored = await client.get(f"/v1/branches/{branch}/plan", headers=MANAGER)
    assert stored.status_code == 200 and stored.json()["verification"] == check
    again = await client.post("/v1/plans:solve", json=mixed_instance(branch), headers=MANAGER)
    assert again.status_code == 200 and again.json()["version"] == plan["version"] + 1
    assert _same_plan(again.json(), plan)  # same seed, same roster and verification
    events = await announced(platform, branch, 2)
    assert [e["version"] for e in events[:2]] == [1, 2]
    assert events[0]["verification"]["worst_interval"] == check["worst_interval"]
    assert events[0]["verification"]["repaired"] == check["repaired"]


async def test_a_single_service_day_is_planned_without_verification(env: Any) -> None:
    client, platform = env
    branch = f"vf-{uuid.uuid4().hex[:8]}"
    solved = await client.post("/v1/plans:solve", json=small_instance(branch), headers=MANAGER)
    assert solved.status_code == 200, solved.text
    assert "verification" not in solved.json() and solved.json()["people"] > 0
    (event,) = await announced(platform, branch, 1)
    assert event.get("verification") is None


def two_service_config(shared_window: bool) -> BranchConfig:
    """Cash and corporate, single-skill staff; with ``shared_window`` one window serves both (a mixed day)."""
    week = {d: [{"open": "09:00", "close": "13:00"}] for d in ("mon", "tue", "wed", "thu", "fri")}
    services = [
        {"code": code, "name": {"zh": zh, "en": en}, "target_wait_min": 10, "ticket_prefix": prefix}
        for code, zh, en, prefix in (("cash", "现金", "Cash", "A"), ("corporate", "对公", "Corporate", "C"))
    ]
    windows = [
        {"id": "w1", "skills": ["cash"], "label": "1"},
        {"id": "w2", "skills": ["cash", "corporate"] if shared_window else ["cash"], "label": "2"},
        {"id": "w3", "skills": ["corporate"], "label": "3"},
        {"id": "w4", "skills": ["corporate"], "label": "4"},
    ]
    staff = [
        {"id": f"s{i}", "display_name": "*", "skills": [skill], "availability": week}
        for i, skill in enumerate(("cash", "cash", "cash", "corporate", "corporate"), start=1)
    ]
    return BranchConfig.model_validate(
        {
            "branch": {"name": "混合窗口支行", "timezone": "Asia/Shanghai", "hours": week},
            "services": services,
            "windows": windows,
            "staff": staff,
        }
    )


async def test_the_day_plan_of_a_configuration_with_a_shared_window_is_verified(
    session_broker: TansuBroker, redis_url: str
) -> None:
    day = today() - dt.timedelta(days=today().weekday() + 7)  # last week's Monday; the clock is injected
    clock = FakeClock(dt.datetime.combine(day, dt.time(9, 30), SHANGHAI))
    settings = staffing_settings(redis_url, config_solve_time_limit_s=300.0, verify_sigma=1.1)
    branch = f"vf-{uuid.uuid4().hex[:8]}"
    async with running_app(settings, make_platform(session_broker.bootstrap), clock) as (app, client):
        planner = app.state.day_planner
        assert await planner.configs.put(branch, 1, two_service_config(shared_window=True))
        (mixed,) = await planner.plan_branch(branch)
        assert mixed.verification is not None and mixed.verification.worst_interval >= 0.8, mixed
        assert not mixed.shortfalls
        assert set(mixed.verification.service_worst) == {"cash", "corporate"}
        stored = await client.get(f"/v1/branches/{branch}/plan", params={"day": day.isoformat()}, headers=MANAGER)
        assert stored.json()["verification"]["replications"] == 120
        assert await planner.configs.put(branch, 2, two_service_config(shared_window=False))
        (single,) = await planner.plan_branch(branch)
        assert single.version == 2 and single.verification is None  # no one and no window serves both
