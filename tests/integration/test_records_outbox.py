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
            records = await read_topic(broker.bootstrap, topics.BRANCH_CONFIG.name, expect=1, timeout_s=10)
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
