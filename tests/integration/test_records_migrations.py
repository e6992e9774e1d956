"""Records' Alembic migrations on real PostgreSQL: from an empty database, down a revision and up again,
and a failed migration that stops the service with a clear message (and changes nothing)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.adapters.history_store import HistorySql
from services.records.adapters.migrate import MigrationFailed, current_revision, head, migrate
from services.records.bootstrap import StartupFailed, build_app
from services.records.domain.history import RAW_TABLE_NAMES
from services.records.domain.retention import STATE_TABLES
from services.records.domain.rollups import ROLLUPS
from services.records.settings import RecordsSettings
from tests.conftest import make_platform
from tests.integration.records_support import new_database, records_engine, table_names

ROOT = Path(__file__).resolve().parents[2]
BEFORE_HISTORY = {"branch_config", "branch_config_audit", "outbox", "alembic_version"}
CREDIT_TABLES = {"window_staffing", "staff_credits"}
OCCUPANCY_TABLES = {"events_occupancy", "rollup_occupancy_hour"}
HISTORY_TABLES = {*RAW_TABLE_NAMES, *(spec.table for spec in ROLLUPS), *STATE_TABLES} - CREDIT_TABLES - OCCUPANCY_TABLES
REPORT_TABLES = {"rollup_branch_day", "rollup_service_day"}
SANDBOX_CORE_TABLES = {
    "sandbox_core_customers",
    "sandbox_core_accounts",
    "sandbox_core_postings",
    "sandbox_core_legs",
    "sandbox_core_idempotency",
    "sandbox_core_audit",
}
SANDBOX_SERVICES_TABLES = {"sandbox_core_services", "sandbox_core_pins"}  # 0009: test_records_migration_0009.py
RECORDS_TABLES = (
    BEFORE_HISTORY
    | HISTORY_TABLES
    | REPORT_TABLES
    | CREDIT_TABLES
    | SANDBOX_CORE_TABLES
    | OCCUPANCY_TABLES
    | SANDBOX_SERVICES_TABLES
)
HEAD = "0009"


@pytest.fixture
def empty_database(postgres_url: str) -> Iterator[str]:
    with new_database(postgres_url, "migrations") as url:
        yield url


@pytest.fixture
async def engine(empty_database: str, redis_url: str) -> AsyncIterator[AsyncEngine]:
    async with records_engine(empty_database, redis_url) as made:
        yield made


async def test_upgrade_from_an_empty_database_then_again_is_a_no_op(engine: AsyncEngine) -> None:
    assert await current_revision(engine) is None and not await table_names(engine)
    await migrate(engine)
    assert await current_revision(engine) == head() == HEAD
    assert await table_names(engine) == RECORDS_TABLES
    await migrate(engine)
    assert await current_revision(engine) == HEAD


async def test_the_history_schema_is_what_the_code_writes(engine: AsyncEngine) -> None:
    await migrate(engine)
    async with engine.connect() as connection:
        sql = await HistorySql.read(connection)  # raises SchemaMismatch naming a column the code needs
        partitioned = set(
            (
                await connection.execute(
                    text("SELECT relname FROM pg_class WHERE relkind = 'p' AND pg_table_is_visible(oid)")
                )
            ).scalars()
        )
        fillfactor = (
            await connection.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'ticket_journeys'"))
        ).scalar_one()
    assert partitioned == set(RAW_TABLE_NAMES), "raw tables are partitioned (by day, on ingest), the others not"
    assert set(sql.raw) == set(RAW_TABLE_NAMES) and fillfactor == ["fillfactor=80"]


async def test_downgrade_to_the_previous_revision_and_upgrade_again_keeps_the_data(engine: AsyncEngine) -> None:
    await migrate(engine)
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO branch_config VALUES ('b1', 1, '{\"kept\": true}', now(), 'mgr', 'manager')")
        )
    await migrate(engine, "0003", action="downgrade")
    assert await current_revision(engine) == "0003" and await table_names(engine) == BEFORE_HISTORY | HISTORY_TABLES
    await migrate(engine, "0002", action="downgrade")
    assert await current_revision(engine) == "0002" and await table_names(engine) == BEFORE_HISTORY
    await migrate(engine, "0001", action="downgrade")
    assert await current_revision(engine) == "0001"
    assert "outbox" not in await table_names(engine)
    await migrate(engine)
    assert await current_revision(engine) == HEAD and await table_names(engine) == RECORDS_TABLES
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT document FROM branch_config"))).scalar_one() == {"kept": True}
    await migrate(engine, "base", action="downgrade")
    assert await table_names(engine) == {"alembic_version"} and await current_revision(engine) is None
    await migrate(engine)
    assert await table_names(engine) == RECORDS_TABLES


async def test_revision_0004_sums_the_rollups_already_there_and_keeps_them_summed(engine: AsyncEngine) -> None:
    """From the previous revision with history in it: the per-branch-day summary starts from the rollups already
    stored, then triggers keep it (an insert adds, an upsert adds the difference); downgrade drops it all."""
    await migrate(engine, "0003")
    at = "2026-12-01T01:00:00+00"
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO rollup_service_interval (branch_id, service, interval_start, day, target_wait_min,"
                " arrivals, waits, within_target, abandoned) VALUES"
                f" ('b1', 'cash', '{at}', '2026-12-01', 10, 5, 4, 3, 1),"
                f" ('b1', 'general', '{at}', '2026-12-01', 15, 2, 2, 2, 0)"
            )
        )
        await connection.execute(
            text(f"INSERT INTO rollup_wait_buckets VALUES ('b1', 'cash', '{at}', 3, 3), ('b1', 'cash', '{at}', 45, 1)")
        )
        await connection.execute(text("INSERT INTO rollup_kyc_day VALUES ('b1', '2026-12-01', 'approved', 2)"))
    await migrate(engine, "0004")
    assert await current_revision(engine) == "0004"
    summed = (
        "SELECT array[arrivals, waits, within_target, abandoned, wait_m3, wait_m45, kyc_decisions]"
        " FROM rollup_branch_day WHERE branch_id = 'b1' AND day = '2026-12-01'"
    )
    async with engine.begin() as connection:
        assert (await connection.execute(text(summed))).scalar_one() == [7, 6, 5, 1, 3, 1, 2]
        per_service = await connection.execute(
            text("SELECT service, arrivals, wait_m3 + wait_m45 FROM rollup_service_day ORDER BY service")
        )
        assert [tuple(r) for r in per_service] == [("cash", 5, 4), ("general", 2, 0)]
        await connection.execute(
            text(
                "INSERT INTO rollup_service_interval (branch_id, service, interval_start, day, target_wait_min,"
                f" arrivals) VALUES ('b1', 'cash', '{at}', '2026-12-01', 10, 10) ON CONFLICT"
                " (branch_id, service, interval_start) DO UPDATE SET arrivals = rollup_service_interval.arrivals"
                " + EXCLUDED.arrivals"
            )
        )
        await connection.execute(
            text("INSERT INTO rollup_voice_day (branch_id, day, sessions) VALUES ('b1', '2026-12-02', 1)")
        )
        assert (await connection.execute(text(summed))).scalar_one() == [17, 6, 5, 1, 3, 1, 2]
        days = await connection.execute(text("SELECT day, voice_sessions FROM rollup_branch_day ORDER BY day"))
        assert [tuple(r) for r in days] == [(dt.date(2026, 12, 1), 0), (dt.date(2026, 12, 2), 1)]
    await migrate(engine, "0003", action="downgrade")
    async with engine.connect() as connection:
        triggers = (await connection.execute(text("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"))).scalar()
    assert not REPORT_TABLES & await table_names(engine) and triggers == 0


async def _columns(engine: AsyncEngine, table: str) -> list[str]:
    async with engine.connect() as connection:
        return [c["name"] for c in await connection.run_sync(lambda sync: inspect(sync).get_columns(table))]


async def test_revision_0005_keeps_the_alerts_in_progress_and_adds_their_acknowledgement(engine: AsyncEngine) -> None:
    """From 0004 with an alert in progress: it is not acknowledged and its expiry not counted; down again drops
    the two columns and keeps the row."""
    await migrate(engine, "0004")
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO alert_states VALUES ('b1', 'al-1', 'open_window', '2026-12-01',"
                " '2026-12-01T01:00:00+00', false, '2026-12-01T01:00:00+00')"
            )
        )
    await migrate(engine)
    assert await current_revision(engine) == HEAD
    async with engine.connect() as connection:
        row = (await connection.execute(text("SELECT acknowledged_at, expired FROM alert_states"))).one()
        await HistorySql.read(connection)  # the code's alert state fits the table
    assert tuple(row) == (None, False)
    await migrate(engine, "0004", action="downgrade")
    assert not {"acknowledged_at", "expired"} & set(await _columns(engine, "alert_states"))
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM alert_states"))).scalar() == 1


async def test_revision_0006_starts_the_staffing_intervals_from_each_windows_current_staff(engine: AsyncEngine) -> None:
    await migrate(engine, "0005")
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO window_staff VALUES ('b1', 'w1', 's01', 'open', '2026-12-01T01:00:00+00')")
        )
    await migrate(engine)
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT window_id, since, until, staff_id FROM window_staffing"))).all()
        await HistorySql.read(connection)  # the code's staffing and credits fit the tables
    assert [tuple(r) for r in rows] == [("w1", dt.datetime(2026, 12, 1, 1, tzinfo=dt.UTC), None, "s01")]
    await migrate(engine, "0005", action="downgrade")
    assert not CREDIT_TABLES & await table_names(engine)


async def _break(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:  # a table in the way of revision 0002
        await connection.execute(text("CREATE TABLE outbox (unrelated int)"))


async def test_a_failed_migration_says_what_failed_and_changes_nothing(engine: AsyncEngine) -> None:
    await _break(engine)
    with pytest.raises(MigrationFailed) as failure:
        await migrate(engine)
    message = str(failure.value)
    assert f"database migration (upgrade to revision {head()}) failed, nothing was changed" in message
    assert 'relation "outbox" already exists' in message
    assert await table_names(engine) == {"outbox"}, "revision 0001 was rolled back with 0002 (one transaction)"


async def test_a_failed_migration_stops_the_service(engine: AsyncEngine, empty_database: str, redis_url: str) -> None:
    await _break(engine)
    app = build_app(RecordsSettings(database_url=empty_database, redis_url=redis_url), make_platform("127.0.0.1:9"))
    with pytest.raises(StartupFailed, match=r"records cannot start: database migration .* failed"):
        async with app.router.lifespan_context(app):
            pytest.fail("the app must not start")


async def test_the_service_process_exits_with_the_reason(
    engine: AsyncEngine, empty_database: str, redis_url: str
) -> None:
    await _break(engine)
    env = dict(
        os.environ,
        RECORDS_DATABASE_URL=empty_database,
        RECORDS_REDIS_URL=redis_url,
        BRANCHOPS_KAFKA_BOOTSTRAP="127.0.0.1:9",
        BRANCHOPS_ENV="development",
    )
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "services.records.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
    ]
    done = await asyncio.to_thread(
        subprocess.run, argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0
    assert f"records cannot start: database migration (upgrade to revision {head()}) failed" in done.stderr, (
        done.stderr[-3000:]
    )
    assert 'relation \\"outbox\\" already exists' in done.stderr or 'relation "outbox" already exists' in done.stderr


async def test_an_unreachable_database_stops_the_service_after_waiting(redis_url: str) -> None:
    settings = RecordsSettings(
        database_url="postgresql://postgres:secret@127.0.0.1:1/none", redis_url=redis_url, database_wait_s=0.5
    )
    app = build_app(settings, make_platform("127.0.0.1:9"))
    with pytest.raises(StartupFailed, match=r"did not answer within 0 s") as failure:
        async with app.router.lifespan_context(app):
            pytest.fail("the app must not start")
    assert "secret" not in str(failure.value), "the password stays out of the message"


async def test_revision_0007_adds_the_sandbox_core_whose_postings_must_balance(engine: AsyncEngine) -> None:
    """From 0006 with a branch configured: the sandbox core's tables come, the configuration stays; a posting
    whose legs do not add up to zero, or a deposit below zero, cannot be committed; down again drops it all."""
    await migrate(engine, "0006")
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO branch_config VALUES ('b1', 1, '{\"kept\": true}', now(), 'mgr', 'manager')")
        )
    await migrate(engine, "0007")
    assert await current_revision(engine) == "0007" and await table_names(engine) >= SANDBOX_CORE_TABLES
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO sandbox_core_customers (customer_id, branch_id, display_name, id_number_masked)"
                " VALUES ('c1', 'b1', 'Sandbox', '3201**********1234')"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO sandbox_core_accounts (account_id, customer_id, number, kind, currency) VALUES"
                " ('a1', 'c1', '6222000011112222', 'debit_card', 'CNY'),"
                " ('i1', NULL, '9900000011112222', 'internal', 'CNY')"
            )
        )
    unbalanced = (
        "INSERT INTO sandbox_core_postings (kind, channel, currency, amount_minor, created_at, local_day)"
        " VALUES ('opening', 'seed', 'CNY', 100, now(), current_date) RETURNING posting_id"
    )
    with pytest.raises(Exception, match="not balanced"):
        async with engine.begin() as connection:
            posting = (await connection.execute(text(unbalanced))).scalar_one()
            await connection.execute(
                text(f"INSERT INTO sandbox_core_legs VALUES ({posting}, 1, 'a1', 100), ({posting}, 2, 'i1', -99)")
            )
    with pytest.raises(Exception, match="sandbox_core_deposit_not_below_zero"):
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE sandbox_core_accounts SET balance_minor = -1 WHERE account_id = 'a1'")
            )
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM sandbox_core_legs"))).scalar() == 0
    await migrate(engine, "0006", action="downgrade")
    assert not SANDBOX_CORE_TABLES & await table_names(engine)
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT document FROM branch_config"))).scalar_one() == {"kept": True}
        functions = "SELECT count(*) FROM pg_proc WHERE proname = 'sandbox_core_balanced'"
        assert (await connection.execute(text(functions))).scalar() == 0


async def test_revision_0008_adds_the_hourly_occupancy_grids_whose_cells_fit_the_grid(engine: AsyncEngine) -> None:
    """From 0007: the occupancy raw table (partitioned by day) and hourly rollup come; a grid whose cells do not
    fit its columns x rows is refused; down again drops both and keeps the configuration."""
    await migrate(engine, "0007")
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO branch_config VALUES ('b1', 1, '{\"kept\": true}', now(), 'mgr', 'manager')")
        )
    await migrate(engine, "0008")
    assert await current_revision(engine) == "0008" and await table_names(engine) >= OCCUPANCY_TABLES
    insert = (
        "INSERT INTO rollup_occupancy_hour (branch_id, camera_id, hour_start, day, hour, cols, rows, person_s,"
        " seconds, peak) VALUES ('b1', 'cam1', '2026-12-01T01:00:00+00', '2026-12-01', 9, 2, 1, :grid, 3600, 2)"
    )
    async with engine.begin() as connection:
        await connection.execute(text(insert), {"grid": [10.0, 20.5]})
        partitioned = (
            await connection.execute(text("SELECT relkind::text FROM pg_class WHERE relname = 'events_occupancy'"))
        ).scalar_one()
    assert partitioned == "p"
    with pytest.raises(Exception, match="rollup_occupancy_hour_grid_fits"):
        async with engine.begin() as connection:
            await connection.execute(text(insert.replace("'cam1'", "'cam2'")), {"grid": [1.0, 2.0, 3.0]})
    async with engine.connect() as connection:
        grids = (await connection.execute(text("SELECT camera_id, person_s FROM rollup_occupancy_hour"))).all()
    assert [tuple(r) for r in grids] == [("cam1", [10.0, 20.5])]
    await migrate(engine, "0007", action="downgrade")
    assert not OCCUPANCY_TABLES & await table_names(engine)
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT document FROM branch_config"))).scalar_one() == {"kept": True}
