"""Apps of every service built in-process, on one private event loop per test module."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

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


@pytest.fixture(scope="module")
def service_app(redis_url: str) -> Callable[[str], FastAPI]:
    """``service_app("queue")``: built once per module, never started (no lifespan, no Kafka)."""
    cache: dict[str, FastAPI] = {}
    platform = make_platform(UNREACHABLE_BROKER)

    def get(service: str) -> FastAPI:
        if service not in cache:
            cache[service] = build(service, redis_url, platform)
        return cache[service]

    return get
