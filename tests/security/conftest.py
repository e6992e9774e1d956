"""Apps of every service built in-process, on one private event loop per test module."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

from branchops.devstack.broker import run_blocking
from branchops.settings import Role
from tests.conftest import api_key, make_platform
from tests.security.apps import UNREACHABLE_BROKER, build
from tests.security.asgi import LoopRunner

ROLES: tuple[Role | None, ...] = (None, *Role)


def key_headers(role: Role | None) -> dict[str, str]:
    return {} if role is None else {"X-API-Key": api_key(role)}


@pytest.fixture(scope="module")
def runner() -> Iterator[LoopRunner]:
    loop = LoopRunner()
    try:
        yield loop
    finally:
        loop.close()


async def _migrate(database_url: str) -> None:
    from services.records.adapters.database import create_engine
    from services.records.adapters.migrate import migrate
    from services.records.settings import RecordsSettings

    engine = create_engine(RecordsSettings(database_url=database_url))
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def migrated_database_url(database_url: str) -> str:
    """The session's database with the records schema (the apps here never run the lifespan that migrates)."""
    run_blocking(lambda: _migrate(database_url))
    return database_url


@pytest.fixture(scope="module")
def service_app(redis_url: str, migrated_database_url: str) -> Callable[[str], FastAPI]:
    """``service_app("queue")``: built once per module, never started (no lifespan, no Kafka)."""
    cache: dict[str, FastAPI] = {}
    platform = make_platform(UNREACHABLE_BROKER)

    def get(service: str) -> FastAPI:
        if service not in cache:
            cache[service] = build(service, redis_url, platform, database_url=migrated_database_url)
        return cache[service]

    return get
