"""Records: the branch configuration over HTTP against real PostgreSQL, Redis and broker."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from branchops.contracts import decode, topics
from branchops.devstack import TansuBroker
from branchops.settings import Role
from branchops.web import issue_token
from services.records.adapters.tables import branch_config_audit, outbox
from services.records.domain.config import BranchConfig
from tests.conftest import api_key, make_platform
from tests.integration.kafka_helpers import read_topic, wait_for
from tests.integration.records_support import document, records_settings, running_records

MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
HEAD_OFFICE = {"X-API-Key": api_key(Role.HEAD_OFFICE)}


@pytest.fixture
async def env(
    session_broker: TansuBroker, redis_url: str, database_url: str
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    async with running_records(
        records_settings(database_url, redis_url), make_platform(session_broker.bootstrap)
    ) as running:
        yield running


def _branch() -> str:
    return f"rc-{uuid.uuid4().hex[:10]}"


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


async def _create(client: httpx.AsyncClient, branch: str, doc: dict[str, Any] | None = None) -> httpx.Response:
    response = await client.put(f"/v1/branches/{branch}/config", json=doc or document(), headers=MANAGER)
    assert response.status_code == 201, response.text
    return response


async def test_round_trip_versions_and_etags(env: Any) -> None:
    _, client = env
    branch = _branch()
    missing = await client.get(f"/v1/branches/{branch}/config", headers=MANAGER)
    assert _problem(missing, 404)["reason"] == "not_configured"
    created = await _create(client, branch)
    assert created.headers["etag"] == '"1"' and created.headers["location"] == f"/v1/branches/{branch}/config"
    got = await client.get(f"/v1/branches/{branch}/config", headers=HEAD_OFFICE)
    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    body = got.json()
    assert body["config"] == BranchConfig.model_validate(document()).model_dump(mode="json")
    assert body["config"]["staff"][0]["display_name"] == "王芳", "records keeps names in full"
    assert (body["branch_id"], body["version"]) == (branch, 1)
    assert body["updated_by"]["role"] == "manager" and body["updated_by"]["subject"].startswith("key:")

    same = await client.put(
        f"/v1/branches/{branch}/config", json=body["config"], headers={**MANAGER, "If-Match": got.headers["etag"]}
    )
    assert same.status_code == 200 and same.headers["etag"] == '"1"', "the same document is no new version"

    changed = document()
    changed["services"][0]["target_wait_min"] = 8
    changed["windows"].append({"id": "w3", "skills": ["cash"], "label": "3号窗口"})
    second = await client.put(f"/v1/branches/{branch}/config", json=changed, headers={**MANAGER, "If-Match": '"1"'})
    assert second.status_code == 200 and second.headers["etag"] == '"2"', second.text
    assert second.json()["config"]["services"][0]["target_wait_min"] == 8
    third = await client.put(
        f"/v1/branches/{branch}/config", json=document(), headers={**MANAGER, "If-Match": '"7", "2"'}
    )
    assert third.headers["etag"] == '"3"', "any of the listed tags may match"


async def test_if_match_is_required_once_a_configuration_exists_and_must_be_current(env: Any) -> None:
    _, client = env
    branch = _branch()
    path = f"/v1/branches/{branch}/config"
    assert (
        _problem(await client.put(path, json=document(), headers={**MANAGER, "If-Match": '"1"'}), 412)["reason"]
        == "stale"
    ), "nothing to match yet"
    assert _problem(await client.put(path, json=document(), headers={**MANAGER, "If-Match": "*"}), 412)
    await _create(client, branch)
    required = _problem(await client.put(path, json=document(), headers=MANAGER), 428)
    assert required["reason"] == "if_match_required" and required["current_etag"] == '"1"'
    assert "If-Match" in required["detail"]
    changed = document()
    changed["branch"]["name"] = "Renamed"
    assert (await client.put(path, json=changed, headers={**MANAGER, "If-Match": '"1"'})).status_code == 200
    stale = _problem(await client.put(path, json=document(), headers={**MANAGER, "If-Match": '"1"'}), 412)
    assert stale["reason"] == "stale" and stale["current_etag"] == '"2"' and "current version is 2" in stale["detail"]
    assert _problem(await client.put(path, json=document(), headers={**MANAGER, "If-Match": 'W/"2"'}), 412), (
        "weak tags never match (strong comparison)"
    )
    star = await client.put(path, json=document(), headers={**MANAGER, "If-Match": "*"})
    assert star.status_code == 200 and star.headers["etag"] == '"3"'


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return change


def _append(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target: Any = doc
        for part in path.split("."):
            target = target[int(part)] if part.isdigit() else target[part]
        target.append(value)

    return change


INVALID: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("unknown_service", _set("services.0.code", "loans"), "services.0.code", "is not a service"),
    ("unknown_service", _set("windows.1.skills", ["general", "fx"]), "windows.1.skills", "not among the branch's"),
    (
        "invalid_hours",
        _set("branch.hours.tue", [{"open": "17:00", "close": "09:00"}]),
        "branch.hours.tue.0",
        "closes at 09:00, not after it opens at 17:00",
    ),
    (
        "overlapping_hours",
        _append("branch.hours.mon", {"open": "11:00", "close": "14:00"}),
        "branch.hours.mon",
        "overlap",
    ),
    (
        "invalid_hours",
        _set("staff.0.availability", {"fri": [{"open": "12:00", "close": "12:00"}]}),
        "staff.0.availability.fri.0",
        "not after it opens",
    ),
    ("skill_not_offered", _set("staff.1.skills", ["general", "corporate"]), "staff.1.skills", "no window offers"),
    (
        "duplicate_id",
        _append("windows", {"id": "w1", "skills": ["cash"], "label": "again"}),
        "windows",
        "2 entries for window 'w1'",
    ),
    (
        "duplicate_id",
        _append("staff", {"id": "s02", "display_name": "X", "skills": ["cash"]}),
        "staff",
        "staff member 's02'",
    ),
    ("duplicate_id", _append("devices", {"id": "pad-1", "kind": "kiosk"}), "devices", "device 'pad-1'"),
    ("duplicate_ticket_prefix", _set("services.1.ticket_prefix", "A"), "services", "prefix 'A'"),
    ("unknown_window", _set("devices.1.window_id", "w9"), "devices.1.window_id", "window w9"),
    ("invalid_time_zone", _set("branch.timezone", "Mars/Olympus"), "branch.timezone", "unknown time zone"),
    (
        "invalid_absence",
        _set("staff.0.absences", [{"start": "2027-02-05", "end": "2027-02-01"}]),
        "staff.0.absences.0",
        "before it starts",
    ),
    (
        "invalid_absence",
        _set("staff.0.absences", [{"start": "2027-02-01", "end": "2027-02-02", "arrives_at": "10:30"}]),
        "staff.0.absences.0",
        "late arrival",
    ),
    (
        "invalid",
        _set("staff.0.absences", [{"start": "2027-02-01", "end": "2027-02-01", "arrives_at": "half past ten"}]),
        "staff.0.absences.0.arrives_at",
        "pattern",
    ),
    ("unknown_field", _set("staff.0.skils", ["cash"]), "staff.0.skils", "no field 'skils'"),
    ("invalid", _set("services.0.ticket_prefix", "AB"), "services.0.ticket_prefix", "pattern"),
    ("invalid", _set("branch.hours.mon", [{"open": "9am", "close": "17:00"}]), "branch.hours.mon.0.open", "pattern"),
    ("invalid", _set("branch.hours", {"someday": []}), "branch.hours.someday", "mon"),
    (
        "control_character",
        _set("branch.address", {"zh": "上海市浦东新区\n世纪大道100号", "en": "100 Century Avenue, Shanghai"}),
        "branch.address.zh",
        "U+000A",
    ),
    (
        "control_character",
        _set("branch.address", {"zh": "上海市浦东新区世纪大道100号", "en": "100 Century\u202eAvenue"}),
        "branch.address.en",
        "U+202E",
    ),
    ("invalid", _set("branch.address", {"zh": "路", "en": "100 Century Avenue"}), "branch.address.zh", "at least 4"),
    ("invalid", _set("branch.address", {"zh": "上海市浦东新区", "en": "x" * 201}), "branch.address.en", "at most 200"),
    ("invalid", _set("branch.address", {"zh": "上海市浦东新区"}), "branch.address.en", "required"),
    ("invalid", _set("branch.phone", "call me maybe"), "branch.phone", "pattern"),
]


@pytest.mark.parametrize(("code", "change", "field", "message"), INVALID, ids=[f"{c}-{f}" for c, _, f, _ in INVALID])
async def test_each_invalid_document_is_refused_with_its_reason(
    env: Any, code: str, change: Any, field: str, message: str
) -> None:
    _, client = env
    doc = document()
    change(doc)
    branch = _branch()
    body = _problem(await client.put(f"/v1/branches/{branch}/config", json=doc, headers=MANAGER), 422)
    assert body["title"] == "Invalid configuration"
    matching = [r for r in body["reasons"] if r["code"] == code and r["field"] == field]
    assert matching, body["reasons"]
    assert message in matching[0]["message"], matching
    assert _problem(await client.get(f"/v1/branches/{branch}/config", headers=MANAGER), 404), "nothing was stored"


async def test_the_address_and_phone_are_optional_kept_and_changed(env: Any) -> None:
    _, client = env
    branch = _branch()
    created = (await _create(client, branch)).json()
    assert created["config"]["branch"]["address"] is None and created["config"]["branch"]["phone"] is None
    changed = document()
    address = {"zh": "上海市浦东新区世纪大道100号", "en": "100 Century Avenue, Pudong, Shanghai"}
    changed["branch"]["address"] = {k: f"  {v} " for k, v in address.items()}  # surrounding blanks are trimmed
    changed["branch"]["phone"] = "+86 21 5888 0000"
    second = await client.put(f"/v1/branches/{branch}/config", json=changed, headers={**MANAGER, "If-Match": '"1"'})
    assert second.status_code == 200 and second.headers["etag"] == '"2"', second.text
    got = (await client.get(f"/v1/branches/{branch}/config", headers=MANAGER)).json()
    assert got["config"]["branch"]["address"] == address and got["config"]["branch"]["phone"] == "+86 21 5888 0000"
    changed["branch"]["address"]["zh"] = "上海市\t浦东"
    refused = _problem(
        await client.put(f"/v1/branches/{branch}/config", json=changed, headers={**MANAGER, "If-Match": '"2"'}), 422
    )
    assert refused["reason"] == "invalid_config" and refused["reasons"][0]["code"] == "control_character"
    kept = (await client.get(f"/v1/branches/{branch}/config", headers=MANAGER)).json()
    assert kept["version"] == 2 and kept["config"]["branch"]["address"] == address, "a refused change loses nothing"


async def test_every_reason_is_reported_at_once_and_bodies_are_checked(env: Any) -> None:
    _, client = env
    doc = document()
    doc["branch"]["hours"]["tue"] = [{"open": "17:00", "close": "09:00"}]
    doc["staff"][1]["skills"] = ["corporate"]
    body = _problem(await client.put(f"/v1/branches/{_branch()}/config", json=doc, headers=MANAGER), 422)
    assert {r["code"] for r in body["reasons"]} == {"invalid_hours", "skill_not_offered"}
    assert _problem(await client.put(f"/v1/branches/{_branch()}/config", content=b"{nope", headers=MANAGER), 400)
    assert _problem(await client.put(f"/v1/branches/{_branch()}/config", json=[1], headers=MANAGER), 422)


async def test_a_manager_tied_to_a_branch_changes_only_that_branch(env: Any) -> None:
    app, client = env
    own, other = _branch(), _branch()
    token = issue_token(app.state.platform, "mgr-zhang", Role.MANAGER, branch_id=own)
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.put(f"/v1/branches/{own}/config", json=document(), headers=bearer)).status_code == 201
    refused = _problem(await client.put(f"/v1/branches/{other}/config", json=document(), headers=bearer), 403)
    assert "limited to branch" in refused["detail"]
    assert _problem(await client.get(f"/v1/branches/{other}/config", headers=bearer), 403)
    got = await client.get(f"/v1/branches/{own}/config", headers=bearer)
    assert got.json()["updated_by"] == {"subject": "mgr-zhang", "role": "manager"}


async def test_changes_are_audited_and_announced_on_the_compacted_topic(env: Any, session_broker: TansuBroker) -> None:
    app, client = env
    branch = _branch()
    await _create(client, branch)
    changed = document()
    changed["windows"].append({"id": "w3", "skills": ["cash"], "label": "3号窗口"})
    changed["staff"].pop()
    changed["branch"]["name"] = "Renamed branch"
    response = await client.put(f"/v1/branches/{branch}/config", json=changed, headers={**MANAGER, "If-Match": '"1"'})
    assert response.status_code == 200

    async with app.state.engine.connect() as connection:
        audit = (
            await connection.execute(
                select(branch_config_audit)
                .where(branch_config_audit.c.branch_id == branch)
                .order_by(branch_config_audit.c.version)
            )
        ).all()
    assert [row.version for row in audit] == [1, 2]
    assert audit[0].diff["created"] is True and audit[0].role == "manager"
    assert audit[1].diff == {"branch": ["name"], "windows": {"added": ["w3"]}, "staff": {"removed": ["s02"]}}
    assert audit[1].document["branch"]["name"] == "Renamed branch"

    def ours(records: list[Any]) -> list[Any]:
        return [r for r in records if r.key == branch.encode()]

    records = await read_topic(
        session_broker.bootstrap,
        topics.BRANCH_CONFIG.name,
        expect=0,
        timeout_s=15,
        until=lambda recs: len(ours(recs)) >= 2,
    )
    events = [decode(topics.BRANCH_CONFIG, r.value) for r in ours(records)]
    assert [e.data.version for e in events] == [1, 2]
    latest = events[-1]
    assert latest.subject == branch and latest.type == "branchops.branch-config.v1"
    assert latest.data.changed_by.role == "manager"
    assert latest.data.config.branch.name == "Renamed branch"
    assert [s.display_name for s in latest.data.config.staff] == ["王*"], "names are masked in events"
    assert "王芳" not in json.dumps([r.value.decode() for r in ours(records)], ensure_ascii=False)

    async def outbox_drained() -> bool:
        async with app.state.engine.connect() as connection:
            left = (await connection.execute(select(outbox.c.id).where(outbox.c.key == branch.encode()))).all()
        return not left

    await wait_for(outbox_drained, what="outbox rows deleted once acknowledged")


async def test_readiness_names_postgres(env: Any) -> None:
    _, client = env
    response = await client.get("/readyz")
    checks = response.json()["checks"]
    assert checks["postgres"] == {"ok": True, "detail": "ok"}
    assert {"redis", "kafka"} <= set(checks)
