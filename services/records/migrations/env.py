"""Alembic environment of the records database.

The service runs the migrations itself at start (``adapters/migrate.py``): it hands over a connection of
its async engine in ``config.attributes["connection"]``, already inside the one transaction all revisions
run in. Run by the ``alembic`` command instead (``-x`` nothing, ``sqlalchemy.url`` set), it builds an async
engine of its own; ``--sql`` prints the SQL without a database.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

config = context.config


def run_on(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
            await connection.commit()
    finally:
        await engine.dispose()


def main() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, dialect_name="postgresql")
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
    elif url:
        asyncio.run(run_with_own_engine(url))
    else:
        raise RuntimeError("set sqlalchemy.url (postgresql+asyncpg://...) or hand over a connection")


main()
