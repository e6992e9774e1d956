"""The PostgreSQL engine (SQLAlchemy 2 Core on asyncpg), its readiness check and its unavailability."""

from __future__ import annotations

import asyncio
import logging
import time

import asyncpg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.records.settings import RecordsSettings

log = logging.getLogger(__name__)

CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError, TimeoutError, InterfaceError, OperationalError)
PASSING_ERRORS: tuple[type[BaseException], ...] = (
    *CONNECTION_ERRORS,
    PoolTimeout,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,  # not connected, connection lost
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, crashed
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections, disk full
    asyncpg.exceptions.LockNotAvailableError,  # lock_timeout
    asyncpg.exceptions.TransactionRollbackError,  # deadlock, serialization failure
)
"""Errors that pass by themselves: work that met them is tried again later, never dropped."""


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL cannot be reached now: answer 503, nothing was changed."""


def sqlalchemy_url(url: str) -> str:
    """``postgresql+asyncpg://...`` for SQLAlchemy, from a libpq-style ``postgresql://`` URL."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("postgresql", "postgres", "postgresql+asyncpg"):
        raise ValueError(f"not a PostgreSQL URL (postgresql://...): {scheme}://...")
    return f"postgresql+asyncpg://{rest}"


def create_engine(settings: RecordsSettings) -> AsyncEngine:
    """Connections are opened on first use, so building the app needs no database."""
    timeout = settings.database_timeout_s
    return create_async_engine(
        sqlalchemy_url(settings.database_url.get_secret_value()),
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_pre_ping=True,
        pool_timeout=timeout,
        connect_args={
            "timeout": timeout,
            "command_timeout": timeout,
            "server_settings": {"application_name": "branchops-records"},
        },
    )


def is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, CONNECTION_ERRORS)


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) means the database cannot do the work *now* (see PASSING_ERRORS)."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if is_connection_error(current) or isinstance(current, PASSING_ERRORS):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


async def database_ready(engine: AsyncEngine) -> tuple[bool, str]:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        return False, f"postgres unreachable: {type(exc).__name__}"
    return True, "ok"


async def wait_for_database(engine: AsyncEngine, wait_s: float) -> None:
    """Return once PostgreSQL answers; :class:`DatabaseUnavailable` after ``wait_s`` seconds of trying."""
    deadline = time.monotonic() + wait_s
    delay = 0.2
    while True:
        ok, detail = await database_ready(engine)
        if ok:
            return
        if time.monotonic() >= deadline:
            raise DatabaseUnavailable(
                f"PostgreSQL at {engine.url.render_as_string(hide_password=True)} "
                f"did not answer within {wait_s:.0f} s ({detail})"
            )
        log.warning("%s; retrying in %.1f s", detail, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)
