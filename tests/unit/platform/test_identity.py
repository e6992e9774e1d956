"""Readiness knows whom it calls (issue 24 item 4): another deployment on the address fails it."""

from __future__ import annotations

import socket

import httpx
import pytest

from branchops.devstack.process import reserve_port
from branchops.settings import Role
from branchops.web import create_service_app
from branchops.web.identity import identity_check
from tests.conftest import api_key, make_platform

OURS = make_platform("127.0.0.1:1")
THEIRS = make_platform("127.0.0.1:1", api_keys={"their-key-0123456789abcdefghij": "service"})


def _via(app: object) -> object:
    async def get(url: str, headers: dict[str, str]) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:  # type: ignore[arg-type]
            return await client.get(url, headers=headers)

    return get


def key() -> dict[str, str]:
    return {"X-API-Key": api_key(Role.SERVICE)}


async def test_our_service_passes_and_says_so() -> None:
    check = identity_check("queue", "http://svc", key, _via(create_service_app("queue", OURS)))  # type: ignore[arg-type]
    ok, detail = await check()
    assert ok and "takes our credentials" in detail


@pytest.mark.parametrize(
    ("app", "why"),
    [
        (create_service_app("queue", THEIRS), "refuses this deployment's credentials"),
        (create_service_app("staffing", OURS), "answers as 'staffing'"),
    ],
)
async def test_another_stack_or_another_service_fails_readiness(app: object, why: str) -> None:
    ok, detail = await identity_check("queue", "http://svc", key, _via(app))()  # type: ignore[arg-type]
    assert not ok and why in detail


async def test_a_service_that_does_not_answer_is_reported_but_not_fatal() -> None:
    ok, detail = await identity_check("kyc", "http://127.0.0.1:9", key)()
    assert ok and "does not answer" in detail


def test_a_reserved_port_cannot_be_taken_and_a_taken_one_is_avoided() -> None:
    held = reserve_port("127.0.0.1", 0)
    port = held.getsockname()[1]
    with socket.socket() as intruder, pytest.raises(OSError):
        intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        intruder.bind(("127.0.0.1", port))  # no window between choosing the port and serving on it
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        moved = reserve_port("127.0.0.1", busy.getsockname()[1])
        assert moved.getsockname()[1] != busy.getsockname()[1]
        moved.close()
    finally:
        busy.close()
        held.close()
