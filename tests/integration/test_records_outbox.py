"""Records' PostgreSQL outbox: a change accepted while the broker is away is published once it is back."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from branchops.contracts import decode, topics
from branchops.devstack import TansuBroker
from branchops.devstack.process import free_port
from branchops.settings import Role
from services.records.adapters.outbox import PgOutbox
from services.records.adapters.tables import outbox
from tests.conftest import api_key, make_platform
from tests.integration.kafka_helpers import read_topic, wait_for
from tests.integration.records_support import document, records_settings, running_records

MANAGER = {"X-API-Key": api_key(Role.MANAGER)}


async def _rows(app: Any, branch: str) -> list[Any]:
    async with app.state.engine.connect() as connection:
        return list(
            (
                await connection.execute(
                    select(outbox.c.attempts, outbox.c.last_error).where(outbox.c.key == branch.encode())
                )
            ).all()
        )


async def test_a_change_made_while_the_broker_is_down_arrives_when_it_is_back(
    tmp_path: Path, redis_url: str, database_url: str
) -> None:
    port = free_port()  # nothing listens here yet: the broker is "down" when the change is made
    platform = make_platform(f"127.0.0.1:{port}", kafka_create_topics=True)
    branch = f"ob-{uuid.uuid4().hex[:10]}"
    async with running_records(records_settings(database_url, redis_url, outbox_poll_s=0.1), platform) as (app, client):
        response = await client.put(f"/v1/branches/{branch}/config", json=document(), headers=MANAGER)
        assert response.status_code == 201, "the change is accepted without the broker"
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and not ready.json()["checks"]["kafka"]["ok"]
        assert len(await _rows(app, branch)) == 1, "the event waits in the outbox, in the change's transaction"

        broker = TansuBroker(log_dir=tmp_path, port=port)
        broker.start(partitions=2)
        try:

            async def relayed() -> bool:
                return not await _rows(app, branch)

            await wait_for(relayed, timeout_s=30, what="the outbox row relayed once the broker is back")
            records = await read_topic(  # other branches of the database are announced on start too
                broker.bootstrap,
                topics.BRANCH_CONFIG.name,
                expect=0,
                timeout_s=15,
                until=lambda recs: any(r.key == branch.encode() for r in recs),
            )
            events = [decode(topics.BRANCH_CONFIG, r.value) for r in records if r.key == branch.encode()]
            assert [e.data.version for e in events] == [1]
        finally:
            broker.stop()


async def test_a_row_that_cannot_be_published_stays_with_its_error(
    tmp_path: Path, redis_url: str, database_url: str
) -> None:
    broker = TansuBroker(log_dir=tmp_path)
    broker.start(partitions=2)
    branch = f"ob-{uuid.uuid4().hex[:10]}"
    try:
        platform = make_platform(broker.bootstrap)
        async with running_records(records_settings(database_url, redis_url, outbox_poll_s=0.1), platform) as (
            app,
            client,
        ):
            await wait_for(lambda: app.state.runtime.publisher.started, what="publisher connected")

            async def announced() -> bool:  # the other branches' announcements are out before the broker dies
                return bool(app.state.configuration.announced) and await PgOutbox.backlog(app.state.engine) == 0

            await wait_for(announced, timeout_s=30, what="the start's announcements relayed")
            broker.kill()  # the broker dies after the service connected
            response = await client.put(f"/v1/branches/{branch}/config", json=document(), headers=MANAGER)
            assert response.status_code == 201

            async def failed_once() -> bool:
                rows = await _rows(app, branch)
                return bool(rows) and rows[0].attempts >= 1

            await wait_for(failed_once, timeout_s=40, what="a failed publish recorded on the row")
            rows = await _rows(app, branch)
            assert len(rows) == 1 and rows[0].last_error, "the row stays, with why it is still there"
    finally:
        broker.stop()


def _ours(records: list[Any], branch: str) -> list[Any]:
    return [decode(topics.BRANCH_CONFIG, r.value) for r in records if r.key == branch.encode()]


async def test_every_configuration_is_announced_again_on_start(
    tmp_path: Path, redis_url: str, database_url: str
) -> None:
    """A restart with the database kept and a new, empty broker: records publishes each branch's current
    configuration again (same version, names masked), once per process start."""
    branch = f"ob-{uuid.uuid4().hex[:10]}"
    first = TansuBroker(log_dir=tmp_path / "first")
    first.start(partitions=2)
    try:
        settings = records_settings(database_url, redis_url, outbox_poll_s=0.1)
        async with running_records(settings, make_platform(first.bootstrap, kafka_create_topics=True)) as (
            app,
            client,
        ):
            created = await client.put(f"/v1/branches/{branch}/config", json=document(), headers=MANAGER)
            changed = {**document(), "branch": {**document()["branch"], "name": "Renamed"}}
            put = await client.put(
                f"/v1/branches/{branch}/config", json=changed, headers={**MANAGER, "If-Match": created.headers["etag"]}
            )
            assert put.status_code == 200

            async def relayed() -> bool:
                return not await _rows(app, branch)

            await wait_for(relayed, timeout_s=30, what="both versions relayed")
    finally:
        first.stop()

    second = TansuBroker(log_dir=tmp_path / "second")  # the broker's data is gone, the database's is not
    second.start(partitions=2)
    try:
        async with running_records(settings, make_platform(second.bootstrap, kafka_create_topics=True)) as (
            app,
            client,
        ):
            records = await read_topic(
                second.bootstrap,
                topics.BRANCH_CONFIG.name,
                expect=0,
                timeout_s=30,
                until=lambda recs: bool(_ours(recs, branch)),
            )
            events = _ours(records, branch)
            assert [e.data.version for e in events] == [2], "the current version, announced once"
            announced = events[0].data
            assert announced.config.branch.name == "Renamed" and announced.changed_by.role == "manager"
            assert [s.display_name for s in announced.config.staff] == ["王*", "L* N*"], "masked as a change's event"
            assert await app.state.configuration.announce() == 0, "once per process start"

            async def drained() -> bool:
                return not await _rows(app, branch)

            await wait_for(drained, timeout_s=30, what="the announcement relayed")
            again = await read_topic(second.bootstrap, topics.BRANCH_CONFIG.name, expect=len(records) + 1, timeout_s=2)
            assert len(_ours(again, branch)) == 1
    finally:
        second.stop()


async def test_an_announcement_still_waiting_in_the_outbox_is_not_staged_twice(
    redis_url: str, database_url: str
) -> None:
    """The broker away across restarts: each start would announce again; a branch whose event still waits
    in the outbox gets no second one."""
    platform = make_platform(f"127.0.0.1:{free_port()}")
    settings = records_settings(database_url, redis_url, outbox_poll_s=0.1)
    branch = f"ob-{uuid.uuid4().hex[:10]}"
    async with running_records(settings, platform) as (app, client):
        assert (await client.put(f"/v1/branches/{branch}/config", json=document(), headers=MANAGER)).status_code == 201
    for _ in range(2):
        async with running_records(settings, platform) as (app, _):

            async def announced() -> bool:
                return bool(app.state.configuration.announced)

            await wait_for(announced, timeout_s=30, what="the start's announcement")
            assert len(await _rows(app, branch)) == 1, "the change's event waits; no announcement beside it"
