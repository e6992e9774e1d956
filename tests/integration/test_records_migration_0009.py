"""Records migration 0009 (the SANDBOX core's self-services) on real PostgreSQL: from 0008 with a sandbox
customer, the services and PIN tables, the masked phone and the wallet account kind come; a wallet below zero
or above its cap, an unknown service or state, a PIN salt shorter than 16 bytes cannot be stored; down again
drops them and keeps the customer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.adapters.migrate import current_revision, migrate
from tests.integration.records_support import new_database, records_engine, table_names

SERVICES_TABLES = {"sandbox_core_services", "sandbox_core_pins"}


@pytest.fixture
def empty_database(postgres_url: str) -> Iterator[str]:
    with new_database(postgres_url, "migration0009") as url:
        yield url


@pytest.fixture
async def engine(empty_database: str, redis_url: str) -> AsyncIterator[AsyncEngine]:
    async with records_engine(empty_database, redis_url) as made:
        yield made


async def _refused(engine: AsyncEngine, sql: str, constraint: str) -> None:
    with pytest.raises(Exception, match=constraint):
        async with engine.begin() as connection:
            await connection.execute(text(sql))


async def test_revision_0009_adds_the_self_services_with_their_bounds(engine: AsyncEngine) -> None:
    await migrate(engine, "0008")
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO sandbox_core_customers (customer_id, branch_id, display_name, id_number_masked)"
                " VALUES ('c1', 'b1', 'Sandbox', '3201**********1234')"
            )
        )
    await _refused(
        engine,
        "INSERT INTO sandbox_core_accounts (account_id, customer_id, number, kind, currency)"
        " VALUES ('w0', 'c1', '0031000011112222', 'digital_wallet', 'CNY')",
        "sandbox_core_accounts_kind",
    )
    await migrate(engine, "0009")
    assert await current_revision(engine) == "0009" and await table_names(engine) >= SERVICES_TABLES
    async with engine.begin() as connection:
        phone = await connection.scalar(
            text("SELECT phone_masked FROM sandbox_core_customers WHERE customer_id = 'c1'")
        )
        assert phone == ""
        await connection.execute(
            text(
                "INSERT INTO sandbox_core_accounts (account_id, customer_id, number, kind, currency)"
                " VALUES ('w1', 'c1', '0031000011112222', 'digital_wallet', 'CNY')"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO sandbox_core_services (customer_id, service, state)"
                " VALUES ('c1', 'mobile_banking', 'active')"
            )
        )
    await _refused(
        engine, "UPDATE sandbox_core_accounts SET balance_minor = -1 WHERE account_id = 'w1'", "wallet_within_cap"
    )
    await _refused(
        engine, "UPDATE sandbox_core_accounts SET balance_minor = 1000001 WHERE account_id = 'w1'", "wallet_within_cap"
    )
    await _refused(
        engine,
        "INSERT INTO sandbox_core_services (customer_id, service, state) VALUES ('c1', 'lottery', 'active')",
        "sandbox_core_services_service",
    )
    await _refused(
        engine,
        "INSERT INTO sandbox_core_services (customer_id, service, subject, state)"
        " VALUES ('c1', 'sms_alerts', 'w1', 'maybe')",
        "sandbox_core_services_state",
    )
    await _refused(
        engine,
        "INSERT INTO sandbox_core_pins VALUES ('w1', '\\x00'::bytea, '\\x00'::bytea, 'scrypt', now())",
        "sandbox_core_pins_salt",
    )
    with pytest.raises(Exception, match="wallets exist"):
        await migrate(engine, "0008", action="downgrade")
    assert await current_revision(engine) == "0009"
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM sandbox_core_accounts WHERE account_id = 'w1'"))
    await migrate(engine, "0008", action="downgrade")
    assert await current_revision(engine) == "0008" and not SERVICES_TABLES & await table_names(engine)
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT display_name FROM sandbox_core_customers")) == "Sandbox"
    await migrate(engine, "0009")
    assert await current_revision(engine) == "0009"
