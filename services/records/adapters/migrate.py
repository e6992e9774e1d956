"""Alembic migrations, run by the service at start on its own async engine (services/records/migrations/).

All pending revisions run in one transaction (PostgreSQL has transactional DDL) under an advisory lock,
so replicas starting together migrate once, and a failed migration leaves the schema as it was.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.adapters.database import DatabaseUnavailable, is_connection_error

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
MIGRATION_LOCK = 0x62726F7263  # pg_advisory_xact_lock key: "brorc", records' migrations


class MigrationFailed(RuntimeError):
    """The schema could not be brought to the code's revision; the service must not start."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None, f"no migration in {MIGRATIONS}"
    return revision


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _run(connection: Connection, action: str, revision: str) -> str | None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    before = _current(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)
    return before


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def migrate(engine: AsyncEngine, revision: str = "head", *, action: str = "upgrade") -> None:
    """Bring the schema to ``revision`` (``downgrade`` with ``action="downgrade"``): one transaction.

    Raises :class:`MigrationFailed` with what went wrong, or :class:`DatabaseUnavailable`.
    """
    target = head() if revision == "head" else revision
    try:
        async with engine.begin() as connection:
            before = await connection.run_sync(_run, action, target)
    except Exception as exc:
        if is_connection_error(exc):
            raise DatabaseUnavailable(f"PostgreSQL went away during the migration: {type(exc).__name__}") from exc
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:500]
        raise MigrationFailed(
            f"database migration ({action} to revision {target}) failed, nothing was changed: "
            f"{type(exc).__name__}: {cause}"
        ) from exc
    if before != target:
        log.info("database schema %s from revision %s to %s", action + "d", before or "(empty)", target)
