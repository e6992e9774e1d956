"""Whole-request limits of every service app (issue 24 item 10): byte ceiling before parsing, stalled
bodies, streaming untouched, an aborted upload is no error."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.types import Message

from branchops.web import create_service_app
from branchops.web.limits import RequestLimits, UploadRoutes
from tests.conftest import make_platform

parsed: list[int] = []
router = APIRouter()


class Body(BaseModel):
    items: list[int]


@router.post("/things")
async def things(body: Body) -> dict[str, int]:
    parsed.append(len(body.items))
    return {"n": len(body.items)}


@router.post("/uploads/raw")
async def upload(request: Request) -> dict[str, int]:
    return {"n": len(await request.body())}


def app(**limits: Any) -> Any:
    return create_service_app("limits-test", make_platform("127.0.0.1:1"), routers=[router], **limits)


def test_a_declared_body_over_the_ceiling_is_refused_before_parsing() -> None:
    parsed.clear()
    client = TestClient(app(max_body_bytes=10_000))
    big = json.dumps({"items": list(range(200_000))})  # ~1.3 MB
    got = client.post("/things", content=big, headers={"content-type": "application/json"})
    assert got.status_code == 413 and got.json()["reason"] == "body_too_large"
    assert got.headers["content-type"] == "application/problem+json"
    assert parsed == []  # never reached the route
    ok = client.post("/things", json={"items": [1, 2, 3]})
    assert ok.status_code == 200 and parsed == [3]


def test_a_chunked_body_is_cut_once_it_passes_the_ceiling() -> None:
    client = TestClient(app(max_body_bytes=10_000))

    def chunks() -> Any:
        for _ in range(50):
            yield b"x" * 1000

    got = client.post("/uploads/raw", content=chunks())  # no Content-Length: transfer-encoding chunked
    assert got.status_code == 413
    assert got.headers["content-type"] == "application/problem+json"


def test_upload_routes_have_their_own_ceiling() -> None:
    client = TestClient(app(max_body_bytes=1_000, uploads=UploadRoutes(r"/uploads/", 100_000)))
    assert client.post("/uploads/raw", content=b"x" * 50_000).json() == {"n": 50_000}
    assert client.post("/things", content=b"x" * 50_000).status_code == 413
    assert client.post("/uploads/raw", content=b"x" * 100_001).status_code == 413


async def _call(limits: RequestLimits, messages: list[tuple[float, Message]]) -> list[Message]:
    """Run the middleware over scripted client messages (delay, message); returns what it sent."""
    sent: list[Message] = []
    queue = list(messages)

    async def receive() -> Message:
        delay, message = queue.pop(0) if queue else (3600.0, {"type": "http.disconnect"})
        await asyncio.sleep(delay)
        return message

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/uploads/raw", "headers": [], "query_string": b""}
    await limits(scope, receive, send)
    return sent


async def test_a_stalled_body_gets_408() -> None:
    inner = create_service_app("limits-test", make_platform("127.0.0.1:1"), routers=[router], body_timeout_s=0.2)
    messages = [(0.0, {"type": "http.request", "body": b"x" * 10, "more_body": True}), (5.0, {"type": "x"})]
    started = asyncio.get_running_loop().time()
    sent = await asyncio.wait_for(_call(inner, messages), 3)  # the app is the whole stack, limits inside
    assert asyncio.get_running_loop().time() - started < 2
    assert sent[0]["status"] == 408


async def test_after_the_body_receive_is_passed_through_without_deadline() -> None:
    """Streaming responses wait on receive for the disconnect: no deadline once the body is complete."""
    seen: list[Message] = []

    async def app_(scope: Any, receive: Any, send: Any) -> None:
        seen.append(await receive())  # the body
        seen.append(await receive())  # waits for the disconnect, longer than the body deadline

    limits = RequestLimits(app_, 1000, body_timeout_s=0.05)
    await _call(
        limits, [(0.0, {"type": "http.request", "body": b"{}", "more_body": False}), (0.3, {"type": "http.disconnect"})]
    )
    assert [m["type"] for m in seen] == ["http.request", "http.disconnect"]


def test_an_aborted_upload_is_logged_as_information_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    inner = app(max_body_bytes=10_000)
    logging.getLogger().addHandler(caplog.handler)  # the app's logging setup replaced the root's handlers

    async def run() -> list[Message]:
        sent: list[Message] = []
        queue: list[Message] = [
            {"type": "http.request", "body": b"x" * 10, "more_body": True},
            {"type": "http.disconnect"},
        ]

        async def receive() -> Message:
            return queue.pop(0)

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/uploads/raw",
            "raw_path": b"/uploads/raw",
            "root_path": "",
            "headers": [],
            "query_string": b"",
            "server": ("test", 80),
            "client": ("127.0.0.1", 5),
            "app": inner,
        }
        await inner(scope, receive, send)
        return sent

    with caplog.at_level(logging.INFO):
        sent = asyncio.run(run())
    assert sent == []  # nobody to answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert any("client disconnected" in r.getMessage() for r in caplog.records)
