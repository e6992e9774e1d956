"""The prepared form reaches the records masked: the tickets.v1 events the queue stages for a voice ticket
with a form (read from its real outbox in Redis) go through the records service's ingest into PostgreSQL,
and the kept envelope carries the form with the payee and account digits masked, never in clear."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from branchops.contracts import topics
from branchops.devstack import TansuBroker
from services.records.adapters.database import create_engine
from services.records.adapters.migrate import migrate
from services.records.bootstrap import build_history
from services.records.handlers import HistoryHandler
from tests.conftest import make_platform
from tests.integration.records_support import records_settings
from tests.integration.test_queue_api import Clock, QueueApp, client_for, make_app
from tests.integration.test_ticket_forms import FORM, voice_ticket

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def q(redis_url: str, session_broker: TansuBroker) -> AsyncIterator[QueueApp]:
    clock = Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))  # records keeps recent days' partitions
    app = make_app(redis_url, make_platform(session_broker.bootstrap), clock)
    async with client_for(app) as client:
        yield QueueApp(app, client, clock)
    await app.state.tickets.store._redis.aclose()


async def test_the_masked_form_is_what_the_records_keep(q: QueueApp, redis_url: str, database_url: str) -> None:
    await voice_ticket(q, FORM)
    outbox = q.app.state.tickets.store._outbox
    staged = await outbox._redis.xrange(outbox.stream(q.branch))
    values = [f[b"value"] for _, f in staged if f[b"topic"] == topics.TICKETS.name.encode()]
    assert values, "the issue staged its tickets.v1 event"
    settings = records_settings(database_url, redis_url, history_enabled=True)
    engine = create_engine(settings)
    try:
        await migrate(engine)
        history = build_history(settings, make_platform("127.0.0.1:9"), engine, None, lambda: dt.datetime.now(dt.UTC))  # type: ignore[arg-type]
        await history.ingest([HistoryHandler.decode(topics.TICKETS, v) for v in values])
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT envelope FROM events_tickets WHERE branch_id = :b"), {"b": q.branch}
                )
            ).all()
    finally:
        await engine.dispose()
    assert len(rows) == len(values)
    envelope = rows[0][0] if isinstance(rows[0][0], dict) else json.loads(rows[0][0])
    assert envelope["data"]["form"] == {
        "kind": "transfer",
        "fields": {"amount": "3500", "currency": "CNY", "payee": "张*", "account_last4": "****"},
    }
    kept = json.dumps(envelope, ensure_ascii=False)
    assert "张三" not in kept and "1234" not in kept
