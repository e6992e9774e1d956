"""No unmasked ID, mobile or account number in any table of records (DESIGN.md section 7).

A realistic mix of every topic (KYC results with masked id numbers, voice turns with masked slots) goes through
the broker into records, together with a few events whose producer forgot to mask a number in free text; then
every text, JSON and byte column of every table is scanned. The scanner's patterns are written here, apart from
records' own masking, and a self-test shows it finds a planted number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from branchops.contracts import events as ev
from branchops.contracts import topics
from branchops.contracts.enums import CameraState, Language, ServiceName
from branchops.devstack import TansuBroker
from branchops.devstack.postgres import create_database, drop_database
from branchops.settings import Role
from services.records.adapters.database import create_engine
from services.records.adapters.migrate import migrate
from services.records.settings import RecordsSettings
from tests.conftest import api_key, fresh_database_name, make_platform
from tests.integration.kafka_helpers import wait_for
from tests.integration.records_support import (
    branch_morning,
    document,
    encoded,
    produce,
    raw_count,
    records_settings,
    running_records,
)

_ALONE = r"(?<![0-9A-Za-z.])", r"(?![0-9A-Za-z])"  # not part of a decimal or of a hex id (event ids are UUIDs)
PATTERNS = {
    "id_number": re.compile(_ALONE[0] + r"[0-9]{17}[0-9Xx]" + _ALONE[1]),
    "mobile": re.compile(_ALONE[0] + r"1[3-9][0-9]{9}" + _ALONE[1]),
    "account": re.compile(_ALONE[0] + r"[0-9]{16,19}" + _ALONE[1]),
}
SCANNED_TYPES = ("text", "character varying", "character", "json", "jsonb", "bytea")


async def scan(connection: AsyncConnection) -> list[str]:
    """``table.column: kind`` for every hit, over every text/JSON/bytes column of every table (a partitioned
    table is read through its parent, which covers its partitions)."""
    columns = (
        await connection.execute(
            text(
                "SELECT c.relname, a.attname, format_type(a.atttypid, NULL) FROM pg_class c "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND pg_table_is_visible(c.oid) "
                "AND c.relnamespace = 'public'::regnamespace ORDER BY 1, 2"
            )
        )
    ).all()
    hits: list[str] = []
    for table, column, kind in columns:
        if kind not in SCANNED_TYPES:
            continue
        expression = f"convert_from({column}, 'UTF8')" if kind == "bytea" else f"{column}::text"
        values = (await connection.execute(text(f'SELECT {expression} FROM "{table}"'))).scalars().all()
        for value in values:
            for name, pattern in PATTERNS.items():
                if value is not None and pattern.search(value):
                    hits.append(f"{table}.{column}: {name}")
    return hits


def leaky(branch: str, start: dt.datetime) -> list[tuple[Any, Any]]:
    """Events whose producer left numbers unmasked in free text (the contract cannot know every field)."""
    return [
        (
            topics.CAMERA_STATUS,
            ev.CameraStatus(
                branch_id=branch,
                at=start,
                camera_id="cam-2",
                state=CameraState.DOWN,
                error="stream lost, call the installer on 13912345678",
            ),
        ),
        (
            topics.VOICE_INTERACTIONS,
            ev.VoiceInteraction(
                branch_id=branch,
                at=start,
                session_id="vs-leak",
                kiosk_id="kiosk-1",
                turn=0,
                lang=Language.ZH,
                intent="transfer_money",
                confidence=0.8333333333333334,
                outcome="slot_prompt",
                slots={"mobile": "13987654321", "card": "6222021234567890123", "amount": 12345678901234},
            ),
        ),
        (
            topics.FEEDBACK,
            ev.Feedback(
                branch_id=branch,
                at=start,
                ticket_id="t-leak",
                service=ServiceName.CASH,
                rating=2,
                tags=["id 32010219900101123X"],
            ),
        ),
    ]


@pytest.fixture
async def own_database(postgres_url: str) -> AsyncIterator[str]:
    """A database of this test alone: the scan must not see what other tests wrote (fuzzed configurations)."""
    name = fresh_database_name("privacy")
    url = create_database(postgres_url, name)
    try:
        yield url
    finally:
        drop_database(postgres_url, name)


async def test_no_table_holds_an_unmasked_personal_number(
    broker: TansuBroker, redis_url: str, own_database: str
) -> None:
    settings = records_settings(own_database, redis_url, history_enabled=True)
    async with running_records(settings, make_platform(broker.bootstrap)) as (app, client):
        engine: AsyncEngine = app.state.engine
        branch = "privacy-b1"
        response = await client.put(
            f"/v1/branches/{branch}/config", json=document(), headers={"X-API-Key": api_key(Role.MANAGER)}
        )
        assert response.status_code == 201
        start = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).replace(microsecond=0)
        events, _ = branch_morning(branch, start, tickets=30)
        records = encoded([*events, *leaky(branch, start)])
        assert sum(1 for _, _, value in records if re.search(rb"13912345678|6222021234567890123", value)) == 2
        await produce(broker.bootstrap, records)

        async def all_kept() -> bool:
            return await raw_count(engine, branch) >= len(records) + 1  # and the configuration's own event

        await wait_for(all_kept, timeout_s=60, what="every event kept")

        async with engine.connect() as connection:
            hits = await scan(connection)
            assert hits == [], hits
            kept = (
                await connection.execute(
                    text(
                        "SELECT envelope->'data'->'slots' FROM events_voice_interactions"
                        " WHERE envelope->'data'->>'session_id'"
                        " = 'vs-leak'"
                    )
                )
            ).scalar_one()
            assert kept == {"mobile": "139****4321", "card": "6222***********0123", "amount": 12345678901234}


async def test_the_scanner_finds_a_planted_number(own_database: str, redis_url: str) -> None:
    engine = create_engine(RecordsSettings(database_url=own_database, redis_url=redis_url))
    try:
        await migrate(engine)
        for planted, kind in (
            ("13912345678", "mobile"),
            ("32010219900101123X", "id_number"),
            ("6222021234567890", "account"),
        ):
            async with engine.connect() as connection:
                transaction = await connection.begin()
                await connection.execute(
                    text(
                        "INSERT INTO branch_config_audit"
                        " (branch_id, version, changed_at, subject, role, diff, document) "
                        "VALUES ('planted', 1, now(), 'key:x', 'manager', '{}', CAST(:doc AS jsonb))"
                    ),
                    {
                        "doc": f'{{"note": "call {planted}", "ratio": 0.8333333333333334, '
                        f'"id": "d22bfdab-5714-46a1-9912-a13912345678"}}'
                    },
                )
                hits = await scan(connection)
                await transaction.rollback()
            assert hits == [f"branch_config_audit.document: {kind}"], "the number, and neither the float nor the id"
    finally:
        await engine.dispose()
